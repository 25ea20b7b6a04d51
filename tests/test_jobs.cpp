// Job kinds: the blocking-work job on libuv's pool, and the custom job's task API.
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <thread>
#include <uv.h>

namespace {
struct Gate {
    std::atomic<bool> open{false};
    std::atomic<int> started{0}, ran{0};
};

int wait_for_gate(void *arg, void **, ol_free_fn *, int64_t *value_int) {
    auto *g = static_cast<Gate *>(arg);
    ++g->started;
    while (!g->open) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++g->ran;
    *value_int = 1;
    return OL_OK;
}

int count_run(void *arg, void **, ol_free_fn *, int64_t *) {
    ++static_cast<Gate *>(arg)->ran;
    return OL_OK;
}

std::atomic<int> freed_args{0};
void free_arg(void *) { ++freed_args; }
} // namespace

TEST_CASE("work jobs run off the loop thread; the loop stays responsive", "[jobs][work]") {
    TestLoop t;
    Gate gate;
    ol_job *job = nullptr;
    REQUIRE(ol_job_work_new(&job, wait_for_gate, &gate, nullptr) == OL_OK);
    CHECK(ol_job_kind_get(job) == OL_JOB_WORK);
    ol_future *blocked = nullptr;
    REQUIRE(ol_job_submit(t.loop, job, &blocked) == OL_OK);
    ol_future *timer = submit_timer(t.loop, 5);
    REQUIRE(ol_future_wait(timer, 5000) == OL_OK); // the loop is not blocked by the work
    CHECK(ol_future_status(blocked) == OL_EPENDING);
    gate.open = true;
    REQUIRE(ol_future_wait(blocked, 5000) == OL_OK);
    CHECK(ol_future_value_int(blocked) == 1);
    ol_future_release(timer);
    ol_future_release(blocked);
}

TEST_CASE("C04 a work job cancelled while queued on the pool never runs", "[jobs][work]") {
    TestLoop t;
    // Occupy libuv's pool (4 threads by default) so that the next job stays queued.
    Gate gate;
    std::vector<ol_future *> blockers;
    for (int i = 0; i < 4; i++) {
        ol_job *job = nullptr;
        REQUIRE(ol_job_work_new(&job, wait_for_gate, &gate, nullptr) == OL_OK);
        ol_future *f = nullptr;
        REQUIRE(ol_job_submit(t.loop, job, &f) == OL_OK);
        blockers.push_back(f);
    }
    for (int i = 0; i < 5000 && gate.started < 4; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(gate.started == 4); // every pool thread is busy
    Gate counted;
    freed_args = 0;
    ol_job *job = nullptr;
    REQUIRE(ol_job_work_new(&job, count_run, &counted, free_arg) == OL_OK);
    ol_future *queued = nullptr;
    REQUIRE(ol_job_submit(t.loop, job, &queued) == OL_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(ol_future_cancel(queued) == OL_OK);
    gate.open = true;
    REQUIRE(ol_wait_all(blockers.data(), blockers.size(), 5000) == OL_OK);
    CHECK(ol_future_status(queued) == OL_ECANCELED);
    ol_future_release(queued);
    for (auto *f : blockers) ol_future_release(f);
    REQUIRE(ol_loop_shutdown(t.loop, 5000) == OL_OK);
    t.loop = nullptr;
    CHECK(counted.ran == 0);
    CHECK(freed_args == 1);
}

TEST_CASE("an unsubmitted job is freed with ol_job_free", "[jobs]") {
    ol_job *job = nullptr;
    freed_args = 0;
    Gate g;
    REQUIRE(ol_job_work_new(&job, count_run, &g, free_arg) == OL_OK);
    ol_job_free(job);
    CHECK(freed_args == 1);
    CHECK(g.ran == 0);
}

TEST_CASE("a custom job finishes later from a libuv timer of its own", "[jobs][custom]") {
    TestLoop t;
    struct Later {
        uv_timer_t timer;
        ol_task *task;
    };
    // Uses the executor's uv_loop_t through ol_task_uv_loop, the way HTTP and C users build on it.
    ol_future *f = submit_lambda(t.loop, [](ol_task *task) {
        auto *later = new Later;
        later->task = task;
        uv_timer_init(static_cast<uv_loop_t *>(ol_task_uv_loop(task)), &later->timer);
        later->timer.data = later;
        uv_timer_start(&later->timer, [](uv_timer_t *timer) {
            uv_close(reinterpret_cast<uv_handle_t *>(timer), [](uv_handle_t *h) {
                auto *l = static_cast<Later *>(h->data);
                char *value = strdup("later");
                ol_task_finish(l->task, OL_OK, value, free, 3, nullptr);
                delete l;
            });
        }, 10, 0);
        return OL_EPENDING;
    });
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(std::string(static_cast<char *>(ol_future_value(f))) == "later");
    CHECK(ol_future_value_int(f) == 3);
    ol_future_release(f);
}

TEST_CASE("ol_task_finish refuses a positive status and leaves the task running", "[jobs][custom]") {
    TestLoop t;
    std::atomic<int> positive{0};
    ol_future *f = submit_lambda(t.loop, [&](ol_task *task) {
        positive = ol_task_finish(task, 5, nullptr, nullptr, 0, nullptr);
        ol_task_finish(task, OL_OK, nullptr, nullptr, 1, nullptr);
        return OL_EPENDING;
    });
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(positive == OL_EINVAL);
    CHECK(ol_future_value_int(f) == 1);
    ol_future_release(f);
}
