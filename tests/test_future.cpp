// Futures: outcomes, waits, cancellation, callbacks, notifiers (cases C01-C09, docs/conformance.md).
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

static int work_answer(void *, void **, ol_free_fn *, int64_t *value_int)
{
    *value_int = 42;
    return OL_OK;
}

static int work_fails(void *, void **, ol_free_fn *, int64_t *) { return OL_ETOOLARGE; }

static int work_with_value(void *, void **value, ol_free_fn *value_free, int64_t *)
{
    *value = strdup("from the pool");
    *value_free = free;
    return OL_OK;
}

TEST_CASE("C01 job succeeds: timer, work and custom deliver their result once", "[future]")
{
    TestLoop t;
    REQUIRE(t.loop);

    ol_future *timer = submit_timer(t.loop, 5);
    REQUIRE(timer);
    REQUIRE(ol_future_wait(timer, -1) == OL_OK);
    CHECK(ol_future_state_get(timer) == OL_FUTURE_DONE);
    CHECK(ol_future_status(timer) == OL_OK);
    CHECK(ol_future_value_int(timer) == 5);
    CHECK(std::string(ol_future_error_message(timer)) == "");
    ol_future_release(timer);

    ol_job *job = nullptr;
    REQUIRE(ol_job_work_new(&job, work_answer, nullptr, nullptr) == OL_OK);
    ol_future *work = nullptr;
    REQUIRE(ol_job_submit(t.loop, job, &work) == OL_OK);
    REQUIRE(ol_future_wait(work, 5000) == OL_OK);
    CHECK(ol_future_value_int(work) == 42);
    ol_future_release(work);

    REQUIRE(ol_job_work_new(&job, work_with_value, nullptr, nullptr) == OL_OK);
    REQUIRE(ol_job_submit(t.loop, job, &work) == OL_OK);
    REQUIRE(ol_future_wait(work, 5000) == OL_OK);
    CHECK(std::string(static_cast<char *>(ol_future_value(work))) == "from the pool");
    ol_future_release(work);

    std::atomic<int> starts{0}, destroys{0};
    ol_future *custom = submit_lambda(
        t.loop, [](ol_task *) { return OL_OK; }, &starts, &destroys);
    REQUIRE(custom);
    REQUIRE(ol_future_wait(custom, 5000) == OL_OK);
    CHECK(ol_future_value_int(custom) == 7);
    CHECK(starts == 1);
    ol_future_release(custom);
}

TEST_CASE("C02 job fails: status and message delivered, other jobs unaffected", "[future]")
{
    TestLoop t;
    ol_job *job = nullptr;
    REQUIRE(ol_job_work_new(&job, work_fails, nullptr, nullptr) == OL_OK);
    ol_future *bad = nullptr;
    REQUIRE(ol_job_submit(t.loop, job, &bad) == OL_OK);
    ol_future *good = submit_timer(t.loop, 1);
    ol_future *custom = submit_lambda(t.loop, [](ol_task *task) {
        ol_task_finish(task, OL_ERECV, nullptr, nullptr, 0, "peer hung up");
        return OL_EPENDING;
    });
    ol_future *all[] = {bad, good, custom};
    REQUIRE(ol_wait_all(all, 3, 5000) == OL_OK);
    CHECK(ol_future_state_get(bad) == OL_FUTURE_FAILED);
    CHECK(ol_future_status(bad) == OL_ETOOLARGE);
    CHECK(std::string(ol_future_error_message(bad)) == ol_strerror(OL_ETOOLARGE));
    CHECK(ol_future_value(bad) == nullptr);
    CHECK(ol_future_status(good) == OL_OK);
    CHECK(ol_future_status(custom) == OL_ERECV);
    CHECK(std::string(ol_future_error_message(custom)) == "peer hung up");
    for (auto *f : all) ol_future_release(f);
}

TEST_CASE("C02 a custom start that fails at once settles its future", "[future]")
{
    TestLoop t;
    std::atomic<int> destroys{0};
    ol_future *f = submit_lambda(
        t.loop, [](ol_task *) { return OL_EINVAL; }, nullptr, &destroys);
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(ol_future_status(f) == OL_EINVAL);
    ol_future_release(f);
    ol_loop_shutdown(t.loop, 1000);
    CHECK(destroys == 1);
}

TEST_CASE("C03 wait with a timeout on a slow job times out, the job keeps running", "[future]")
{
    TestLoop t;
    ol_future *f = submit_timer(t.loop, 200);
    CHECK(ol_future_wait(f, 0) == OL_ETIMEDOUT);
    CHECK(ol_future_wait(f, 20) == OL_ETIMEDOUT);
    CHECK(ol_future_status(f) == OL_EPENDING);
    CHECK(ol_future_state_get(f) == OL_FUTURE_PENDING);
    CHECK(ol_future_error_message(f) == nullptr);
    REQUIRE(ol_future_wait(f, -1) == OL_OK);
    CHECK(ol_future_status(f) == OL_OK);
    ol_future_release(f);
}

TEST_CASE("C04 cancel before the job starts: settles cancelled, start never runs", "[future]")
{
    // A loop without a thread runs nothing until we drive it, so the job is surely queued.
    TestLoop t(OL_LOOP_NO_THREAD);
    std::atomic<int> starts{0}, destroys{0};
    ol_future *f = submit_lambda(
        t.loop, [](ol_task *) { return OL_OK; }, &starts, &destroys);
    REQUIRE(f);
    CHECK(ol_future_cancel(f) == OL_OK);
    CHECK(ol_future_status(f) == OL_ECANCELED);
    CHECK(ol_future_state_get(f) == OL_FUTURE_CANCELLED);
    while (ol_loop_run(t.loop, OL_RUN_NOWAIT) > 0) {}
    CHECK(starts == 0);
    CHECK(destroys == 1);
    ol_future_release(f);
}

TEST_CASE("C05 cancel while running: a timer settles cancelled promptly", "[future]")
{
    TestLoop t;
    ol_future *f = submit_timer(t.loop, 60000);
    CHECK(ol_future_wait(f, 20) == OL_ETIMEDOUT);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(ol_future_cancel(f) == OL_OK);
    REQUIRE(ol_future_wait(f, 0) == OL_OK); // settled by the cancel call itself
    CHECK(ol_future_status(f) == OL_ECANCELED);
    CHECK(std::string(ol_future_error_message(f)) == "cancelled");
    (void)t0;
    ol_future_release(f);
    // The timer was stopped on the loop: nothing is left running.
    ol_loop_stats stats = OL_LOOP_STATS_INIT;
    for (int i = 0; i < 200; i++) {
        REQUIRE(ol_loop_stats_get(t.loop, &stats) == OL_OK);
        if (stats.in_flight == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(stats.in_flight == 0);
    CHECK(stats.cancelled == 1);
}

TEST_CASE("C05 cancel reaches a custom job's cancel function on the loop thread", "[future]")
{
    TestLoop t;
    std::atomic<int> cancels{0};
    std::atomic<bool> on_loop_thread{false};
    ol_loop *loop = t.loop;
    auto *lj = new LambdaJob{[](ol_task *) { return OL_EPENDING; },
                             [&](ol_task *task) {
                                 on_loop_thread = ol_loop_is_loop_thread(loop) == 1;
                                 THREAD_CHECK(ol_task_cancelled(task) == 1);
                                 ++cancels;
                                 ol_task_finish(task, OL_OK, nullptr, nullptr, 0, nullptr);
                             }};
    ol_future *f = nullptr;
    REQUIRE(ol_job_submit(t.loop, lambda_job(lj), &f) == OL_OK);
    CHECK(ol_future_wait(f, 20) == OL_ETIMEDOUT);
    REQUIRE(ol_future_cancel(f) == OL_OK);
    for (int i = 0; i < 400 && cancels == 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(cancels == 1);
    CHECK(on_loop_thread);
    CHECK(thread_check_failures() == 0);
    CHECK(ol_future_status(f) == OL_ECANCELED); // a finish after cancel changes nothing
    ol_future_release(f);
}

TEST_CASE("C06 cancel after completion has no effect", "[future]")
{
    TestLoop t;
    ol_future *f = submit_timer(t.loop, 1);
    REQUIRE(ol_future_wait(f, -1) == OL_OK);
    CHECK(ol_future_cancel(f) == OL_EALREADY);
    CHECK(ol_future_status(f) == OL_OK);
    CHECK(ol_future_value_int(f) == 1);
    ol_future_release(f);
}

TEST_CASE("C07 wait_all over ok, error, cancelled and timed-out jobs", "[future]")
{
    TestLoop t;
    ol_job *job = nullptr;
    ol_future *ok = submit_timer(t.loop, 5);
    REQUIRE(ol_job_work_new(&job, work_fails, nullptr, nullptr) == OL_OK);
    ol_future *failed = nullptr;
    REQUIRE(ol_job_submit(t.loop, job, &failed) == OL_OK);
    ol_future *cancelled = submit_timer(t.loop, 60000);
    ol_future *slow = submit_timer(t.loop, 300);
    ol_future *all[] = {ok, failed, cancelled, slow};

    CHECK(ol_wait_all(all, 4, 50) == OL_ETIMEDOUT); // slow and cancelled still pending
    CHECK(ol_future_cancel(cancelled) == OL_OK);
    REQUIRE(ol_wait_all(all, 4, -1) == OL_OK);
    CHECK(ol_future_state_get(ok) == OL_FUTURE_DONE);
    CHECK(ol_future_state_get(failed) == OL_FUTURE_FAILED);
    CHECK(ol_future_state_get(cancelled) == OL_FUTURE_CANCELLED);
    CHECK(ol_future_state_get(slow) == OL_FUTURE_DONE);
    CHECK(ol_wait_all(all, 0, 0) == OL_OK);
    for (auto *f : all) ol_future_release(f);
}

TEST_CASE("C08 wait_any returns the first settled, the rest continue", "[future]")
{
    TestLoop t;
    ol_future *slow = submit_timer(t.loop, 400);
    ol_future *fast = submit_timer(t.loop, 5);
    ol_future *both[] = {slow, fast};
    size_t index = 99;
    REQUIRE(ol_wait_any(both, 2, -1, &index) == OL_OK);
    CHECK(index == 1);
    CHECK(ol_future_status(slow) == OL_EPENDING);
    CHECK(ol_wait_any(&slow, 1, 10, &index) == OL_ETIMEDOUT);
    REQUIRE(ol_future_wait(slow, -1) == OL_OK);
    CHECK(ol_future_status(slow) == OL_OK);
    ol_future_release(slow);
    ol_future_release(fast);
}

TEST_CASE("wait_any over many futures wakes for one in the middle", "[future]")
{
    TestLoop t;
    std::vector<ol_future *> fs;
    for (int i = 0; i < 20; i++) fs.push_back(submit_timer(t.loop, i == 13 ? 10 : 60000));
    size_t index = 0;
    REQUIRE(ol_wait_any(fs.data(), fs.size(), 10000, &index) == OL_OK);
    CHECK(index == 13);
    for (auto *f : fs) {
        ol_future_cancel(f);
        ol_future_release(f);
    }
}

TEST_CASE("C09 releasing unawaited pending futures leaks nothing", "[future]")
{
    std::atomic<int> destroys{0};
    {
        TestLoop t;
        for (int i = 0; i < 100; i++) ol_future_release(submit_timer(t.loop, 1 + i % 5));
        for (int i = 0; i < 100; i++)
            ol_future_release(submit_lambda(
                t.loop, [](ol_task *) { return OL_OK; }, nullptr, &destroys));
        ol_future_release(nullptr); // accepted
        REQUIRE(ol_loop_shutdown(t.loop, 5000) == OL_OK);
    }
    CHECK(destroys == 100);
}

static void count_cb(ol_future *f, void *user)
{
    auto *calls = static_cast<std::atomic<int> *>(user);
    THREAD_CHECK(ol_future_status(f) != OL_EPENDING);
    ++*calls;
}

struct ThreadSeen {
    ol_loop *loop;
    std::atomic<int> on_loop{0};
};

static void thread_cb(ol_future *, void *user)
{
    auto *seen = static_cast<ThreadSeen *>(user);
    seen->on_loop = ol_loop_is_loop_thread(seen->loop) ? 1 : 2;
}

TEST_CASE("completion callbacks run once, on the loop thread, or at once if settled", "[future]")
{
    TestLoop t;
    ol_future *f = submit_timer(t.loop, 20);
    std::atomic<int> calls{0};
    ThreadSeen seen{t.loop};
    REQUIRE(ol_future_on_done(f, count_cb, &calls) == OL_OK);
    REQUIRE(ol_future_on_done(f, thread_cb, &seen) == OL_OK);
    REQUIRE(ol_future_wait(f, -1) == OL_OK);
    for (int i = 0; i < 200 && seen.on_loop == 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CHECK(calls == 1);
    CHECK(seen.on_loop == 1);
    REQUIRE(ol_future_on_done(f, count_cb, &calls) == OL_OK); // already settled: runs here
    CHECK(calls == 2);
    CHECK(ol_future_on_done(f, nullptr, nullptr) == OL_EINVAL);
    CHECK(thread_check_failures() == 0);
    ol_future_release(f);
}

TEST_CASE("a notifier reports many completions through one fd", "[future][notifier]")
{
    TestLoop t;
    ol_notifier *n = nullptr;
    REQUIRE(ol_notifier_new(&n) == OL_OK);
    int fd = ol_notifier_fd(n);
    REQUIRE(fd >= 0);
    std::vector<ol_future *> fs;
    for (uint64_t i = 0; i < 50; i++) {
        fs.push_back(submit_timer(t.loop, i % 3));
        REQUIRE(ol_notifier_watch(n, fs.back(), 1000 + i) == OL_OK);
    }
    std::vector<bool> seen(50, false);
    size_t got = 0;
    while (got < 50) {
        struct pollfd pfd = {fd, POLLIN, 0};
        REQUIRE(poll(&pfd, 1, 5000) == 1);
        uint64_t tags[16];
        size_t n_tags;
        while ((n_tags = ol_notifier_drain(n, tags, 16)) > 0) {
            for (size_t i = 0; i < n_tags; i++) {
                REQUIRE(tags[i] >= 1000);
                REQUIRE(tags[i] < 1050);
                CHECK_FALSE(seen[tags[i] - 1000]);
                seen[tags[i] - 1000] = true;
                got++;
            }
        }
    }
    // Drained: the fd is no longer readable, and waiting times out.
    struct pollfd pfd = {fd, POLLIN, 0};
    CHECK(poll(&pfd, 1, 0) == 0);
    CHECK(ol_notifier_wait(n, 10) == OL_ETIMEDOUT);
    // A future that already settled is reported at once.
    REQUIRE(ol_notifier_watch(n, fs[0], 7) == OL_OK);
    REQUIRE(ol_notifier_wait(n, 1000) == OL_OK);
    uint64_t tag = 0;
    CHECK(ol_notifier_drain(n, &tag, 1) == 1);
    CHECK(tag == 7);
    for (auto *f : fs) ol_future_release(f);
    ol_notifier_free(n);
}

TEST_CASE("a notifier freed while watched futures are pending is safe", "[future][notifier]")
{
    TestLoop t;
    ol_notifier *n = nullptr;
    REQUIRE(ol_notifier_new(&n) == OL_OK);
    ol_future *f = submit_timer(t.loop, 30);
    REQUIRE(ol_notifier_watch(n, f, 1) == OL_OK);
    ol_notifier_free(n);
    REQUIRE(ol_future_wait(f, -1) == OL_OK);
    ol_future_release(f);
}
