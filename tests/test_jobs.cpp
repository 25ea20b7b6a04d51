// Job kinds: the blocking-work job on libuv's pool, and the custom job's task API.
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <thread>
#include <uv.h>
#include <vector>

namespace {
struct Gate {
    std::atomic<bool> open{false};
    std::atomic<int> started{0}, ran{0};
};

int wait_for_gate(void *arg, void **, ol_free_fn *, int64_t *value_int)
{
    auto *g = static_cast<Gate *>(arg);
    ++g->started;
    while (!g->open) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++g->ran;
    *value_int = 1;
    return OL_OK;
}

int count_run(void *arg, void **, ol_free_fn *, int64_t *)
{
    ++static_cast<Gate *>(arg)->ran;
    return OL_OK;
}

std::atomic<int> freed_args{0};
void free_arg(void *) { ++freed_args; }
} // namespace

TEST_CASE("work jobs run off the loop thread; the loop stays responsive", "[jobs][work]")
{
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

TEST_CASE("C04 a work job cancelled while queued on the pool never runs", "[jobs][work]")
{
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
    CHECK(counted.ran == 0);
    CHECK(freed_args == 1);
}

TEST_CASE("an unsubmitted job is freed with ol_job_free", "[jobs]")
{
    ol_job *job = nullptr;
    freed_args = 0;
    Gate g;
    REQUIRE(ol_job_work_new(&job, count_run, &g, free_arg) == OL_OK);
    ol_job_free(job);
    CHECK(freed_args == 1);
    CHECK(g.ran == 0);
}

TEST_CASE("a custom job finishes later from a libuv timer of its own", "[jobs][custom]")
{
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
        uv_timer_start(
            &later->timer,
            [](uv_timer_t *timer) {
                uv_close(reinterpret_cast<uv_handle_t *>(timer), [](uv_handle_t *h) {
                    auto *l = static_cast<Later *>(h->data);
                    char *value = strdup("later");
                    ol_task_finish(l->task, OL_OK, value, free, 3, nullptr);
                    delete l;
                });
            },
            10, 0);
        return OL_EPENDING;
    });
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(std::string(static_cast<char *>(ol_future_value(f))) == "later");
    CHECK(ol_future_value_int(f) == 3);
    ol_future_release(f);
}

TEST_CASE("ol_task_finish refuses a positive status and leaves the task running", "[jobs][custom]")
{
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

static ol_job *custom_job(std::function<int(ol_task *)> on_start)
{
    return lambda_job(new LambdaJob{std::move(on_start), nullptr, nullptr, nullptr});
}

TEST_CASE("a batch submit queues every job before the loop thread sees any", "[jobs][batch]")
{
    TestLoop t;
    REQUIRE(t.loop);
    const size_t n = 50;
    std::atomic<long> depth_at_first_start{-1};
    std::atomic<int> started{0};
    std::vector<ol_job *> jobs;
    for (size_t i = 0; i < n; i++) {
        jobs.push_back(custom_job([&](ol_task *task) {
            if (started++ == 0) {
                ol_loop_stats st = OL_LOOP_STATS_INIT;
                ol_loop_stats_get(ol_task_loop(task), &st);
                depth_at_first_start = static_cast<long>(st.queue_depth);
            }
            return OL_OK;
        }));
        REQUIRE(jobs.back());
    }
    std::vector<ol_future *> fs(n, nullptr);
    REQUIRE(ol_job_submit_batch(t.loop, jobs.data(), n, fs.data()) == OL_OK);
    REQUIRE(ol_wait_all(fs.data(), n, 10000) == OL_OK);
    for (ol_future *f : fs) {
        CHECK(ol_future_status(f) == OL_OK);
        CHECK(ol_future_value_int(f) == 7);
        ol_future_release(f);
    }
    CHECK(started == static_cast<int>(n));
    CHECK(depth_at_first_start == static_cast<long>(n - 1)); // the other 49 were all queued
    CHECK(ol_job_submit_batch(t.loop, nullptr, 0, fs.data()) == OL_OK); // nothing to do
}

TEST_CASE("a batch submit is all or nothing and always consumes its jobs", "[jobs][batch]")
{
    std::atomic<int> destroys{0};
    auto counted = [&]() {
        return lambda_job(new LambdaJob{nullptr, nullptr, nullptr, &destroys});
    };
    ol_future *fs[3] = {nullptr, nullptr, nullptr};
    SECTION("a NULL job")
    {
        TestLoop t;
        ol_job *jobs[3] = {counted(), nullptr, counted()};
        CHECK(ol_job_submit_batch(t.loop, jobs, 3, fs) == OL_EINVAL);
        CHECK(destroys == 2);
    }
    SECTION("a job listed twice")
    {
        TestLoop t;
        ol_job *twice = counted();
        ol_job *jobs[3] = {counted(), twice, twice};
        CHECK(ol_job_submit_batch(t.loop, jobs, 3, fs) == OL_EINVAL);
        CHECK(destroys == 2); /* each job once */
    }
    SECTION("no loop or no output array")
    {
        ol_job *jobs[2] = {counted(), counted()};
        CHECK(ol_job_submit_batch(nullptr, jobs, 2, fs) == OL_EINVAL);
        ol_job *more[1] = {counted()};
        TestLoop t;
        CHECK(ol_job_submit_batch(t.loop, more, 1, nullptr) == OL_EINVAL);
        CHECK(destroys == 3);
    }
    SECTION("a loop that is shutting down")
    {
        ol_loop *loop = nullptr;
        REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
        std::atomic<int> starts{0}, rc_while_closing{1};
        auto *lj = new LambdaJob{[](ol_task *) { return OL_EPENDING; }, nullptr, &starts, nullptr};
        lj->on_cancel = [&](ol_task *task) { // runs as shutdown cancels the task
            ol_job *jobs[3] = {counted(), counted(), counted()};
            rc_while_closing = ol_job_submit_batch(ol_task_loop(task), jobs, 3, fs);
            ol_task_finish(task, OL_ECANCELED, nullptr, nullptr, 0, nullptr);
        };
        ol_future *running = nullptr;
        REQUIRE(ol_job_submit(loop, lambda_job(lj), &running) == OL_OK);
        while (starts == 0) std::this_thread::yield();
        CHECK(ol_loop_shutdown(loop, 0) == OL_ETIMEDOUT);
        CHECK(rc_while_closing == OL_ECLOSED);
        CHECK(destroys == 3);
        ol_future_release(running);
        ol_loop_free(loop);
    }
    for (ol_future *f : fs) CHECK(f == nullptr);
}
