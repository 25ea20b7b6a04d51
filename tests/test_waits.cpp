// Waits and callbacks (issue 13 points 9, 10, 11): huge timeouts, the thread that runs the
// callbacks of a cancellation, and waits that could never end.
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {
const int64_t huge_timeouts[] = {int64_t(1) << 31, (int64_t(1) << 31) + 1, INT64_MAX / 2,
                                 INT64_MAX};

// A custom job that pushes nothing and never finishes until cancelled.
int idle_start(ol_task *, void *) { return OL_OK; }
void idle_cancel(ol_task *task, void *)
{
    ol_task_finish(task, OL_ECANCELED, nullptr, nullptr, 0, nullptr);
}
const ol_custom_ops idle_ops = {OL_CUSTOM_OPS_VERSION, idle_start, idle_cancel, nullptr, nullptr};

ol_iter *idle_stream(ol_loop *loop)
{
    ol_job *job = nullptr;
    ol_iter *it = nullptr;
    if (ol_job_custom_new(&job, &idle_ops, nullptr) != OL_OK) return nullptr;
    if (ol_job_submit_iter(loop, job, 0, &it) != OL_OK) return nullptr;
    return it;
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

TEST_CASE("a huge future wait timeout waits for the settle instead of timing out",
          "[wait][timeout]")
{
    TestLoop t;
    for (int64_t timeout : huge_timeouts) {
        ol_future *f = submit_timer(t.loop, 50);
        REQUIRE(f);
        CHECK(ol_future_wait(f, timeout) == OL_OK);
        CHECK(ol_future_status(f) == OL_OK);
        ol_future *g = submit_timer(t.loop, 50);
        ol_future *both[] = {f, g};
        CHECK(ol_wait_all(both, 2, timeout) == OL_OK);
        CHECK(ol_future_status(g) == OL_OK);
        ol_future_release(f);
        ol_future_release(g);
    }
}

TEST_CASE("a huge notifier wait timeout waits for the tag instead of timing out",
          "[wait][timeout][notifier]")
{
    TestLoop t;
    TestNotifier tn;
    REQUIRE(tn.n);
    for (int64_t timeout : huge_timeouts) {
        ol_future *f = submit_timer(t.loop, 50);
        REQUIRE(f);
        REQUIRE(ol_notifier_watch(tn.n, f, 7) == OL_OK);
        auto t0 = std::chrono::steady_clock::now();
        CHECK(ol_notifier_wait(tn.n, timeout) == OL_OK);
        CHECK(seconds_since(t0) >= 0.02); // it waited for the timer, it did not time out
        uint64_t tag = 0;
        CHECK(ol_notifier_drain(tn.n, &tag, 1) == 1);
        CHECK(tag == 7);
        ol_future_release(f);
    }
}

// A stream that ends when a timer fires: the timer's callback runs on the loop thread.
int held_start(ol_task *task, void *user)
{
    *static_cast<ol_task **>(user) = task;
    return OL_OK;
}
const ol_custom_ops held_ops = {OL_CUSTOM_OPS_VERSION, held_start, idle_cancel, nullptr, nullptr};

TEST_CASE("a huge iterator wait timeout waits for the item instead of timing out",
          "[wait][timeout][iter]")
{
    TestLoop t;
    for (int64_t timeout : huge_timeouts) {
        ol_task *task = nullptr;
        ol_job *job = nullptr;
        ol_iter *it = nullptr;
        REQUIRE(ol_job_custom_new(&job, &held_ops, &task) == OL_OK);
        REQUIRE(ol_job_submit_iter(t.loop, job, 0, &it) == OL_OK);
        ol_future *timer = submit_timer(t.loop, 50);
        REQUIRE(ol_future_on_done(
                    timer,
                    [](ol_future *, void *user) {
                        ol_task *task = *static_cast<ol_task **>(user);
                        ol_task_push(task, OL_ITEM_DATA, "x", 1, nullptr, nullptr);
                        ol_task_finish(task, OL_OK, nullptr, nullptr, 0, nullptr);
                    },
                    &task) == OL_OK);
        ol_item *item = nullptr;
        REQUIRE(ol_iter_next(it, &item, timeout) == OL_OK);
        CHECK(ol_item_size(item) == 1);
        ol_item_free(item);
        CHECK(ol_iter_next(it, &item, timeout) == OL_ITEROVER);
        ol_future_release(timer);
        ol_iter_close(it);
    }
}

TEST_CASE("on_done callbacks of a cancel from another thread run on the loop thread",
          "[future][cancel]")
{
    TestLoop t;
    ol_future *f = submit_timer(t.loop, 60000);
    REQUIRE(f);
    struct Seen {
        ol_loop *loop;
        std::atomic<int> calls{0}, on_loop{0};
    } seen{t.loop};
    auto record = [](ol_future *, void *user) {
        auto *s = static_cast<Seen *>(user);
        if (ol_loop_is_loop_thread(s->loop)) ++s->on_loop;
        ++s->calls;
    };
    REQUIRE(ol_future_on_done(f, record, &seen) == OL_OK);
    REQUIRE(ol_future_on_done(f, record, &seen) == OL_OK);
    REQUIRE(ol_future_cancel(f) == OL_OK);
    CHECK(ol_future_status(f) == OL_ECANCELED); // settled for the caller at once
    CHECK(ol_future_wait(f, 0) == OL_OK);
    for (int i = 0; i < 500 && seen.calls < 2; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(seen.calls == 2);
    CHECK(seen.on_loop == 2);
    ol_future_release(f);
}

TEST_CASE("on_done callbacks of a cancel on a host-driven loop run in its next ol_loop_run",
          "[future][cancel]")
{
    TestLoop t(OL_LOOP_NO_THREAD);
    ol_future *f = submit_timer(t.loop, 60000);
    REQUIRE(f);
    struct Seen {
        ol_loop *loop;
        int calls = 0, on_loop = 0;
    } seen{t.loop};
    REQUIRE(ol_future_on_done(
                f,
                [](ol_future *, void *user) {
                    auto *s = static_cast<Seen *>(user);
                    s->on_loop += ol_loop_is_loop_thread(s->loop);
                    s->calls++;
                },
                &seen) == OL_OK);
    REQUIRE(ol_future_cancel(f) == OL_OK);
    CHECK(seen.calls == 0); // not on the cancelling thread, outside the loop
    ol_loop_run(t.loop, OL_RUN_NOWAIT);
    CHECK(seen.calls == 1);
    CHECK(seen.on_loop == 1);
    ol_future_release(f);
}

TEST_CASE("cancels racing a shutdown run every on_done callback exactly once", "[future][cancel]")
{
    for (int round = 0; round < 20; round++) {
        ol_loop *loop = nullptr;
        REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
        const int n = 100;
        std::vector<ol_future *> fs;
        std::atomic<int> calls{0};
        for (int i = 0; i < n; i++) {
            fs.push_back(submit_timer(loop, 60000));
            REQUIRE(ol_future_on_done(
                        fs.back(),
                        [](ol_future *, void *u) { ++*static_cast<std::atomic<int> *>(u); },
                        &calls) == OL_OK);
        }
        std::thread canceller([&] {
            for (auto *f : fs) ol_future_cancel(f);
        });
        ol_loop_shutdown(loop, 0);
        canceller.join();
        for (int i = 0; i < 500 && calls < n; i++) // a cancel's callbacks may still be running
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(calls == n);
        for (auto *f : fs) ol_future_release(f);
        ol_loop_free(loop);
    }
}

TEST_CASE("ol_notifier_wait on the loop thread returns EDEADLK instead of blocking",
          "[notifier][deadlock]")
{
    TestLoop t;
    TestNotifier tn;
    REQUIRE(tn.n);
    ol_future *pending = submit_timer(t.loop, 60000);
    REQUIRE(ol_notifier_watch(tn.n, pending, 1) == OL_OK);
    std::atomic<int> rc{1};
    auto t0 = std::chrono::steady_clock::now();
    ol_future *probe = submit_lambda(t.loop, [&](ol_task *) {
        rc = ol_notifier_wait(tn.n, 3000);
        return OL_OK;
    });
    REQUIRE(ol_future_wait(probe, 10000) == OL_OK);
    CHECK(rc == OL_EDEADLK);
    CHECK(seconds_since(t0) < 2.0); // it did not sit out its timeout on the executor
    ol_future_release(probe);
    ol_future_cancel(pending);
    ol_future_release(pending);
}

TEST_CASE("waits from the thread driving a NO_THREAD loop return EDEADLK instead of hanging",
          "[deadlock][loop]")
{
    TestLoop t(OL_LOOP_NO_THREAD);
    ol_future *f = submit_timer(t.loop, 60000);
    REQUIRE(f);
    ol_iter *it = idle_stream(t.loop);
    REQUIRE(it);
    TestNotifier tn;
    REQUIRE(ol_notifier_watch(tn.n, f, 3) == OL_OK);
    ol_loop_run(t.loop, OL_RUN_NOWAIT); // this thread drives the loop from now on
    auto t0 = std::chrono::steady_clock::now();
    CHECK(ol_future_wait(f, 3000) == OL_EDEADLK);
    ol_future *one[] = {f};
    CHECK(ol_wait_all(one, 1, 3000) == OL_EDEADLK);
    CHECK(ol_wait_any(one, 1, 3000, nullptr) == OL_EDEADLK);
    ol_item *item = nullptr;
    CHECK(ol_iter_next(it, &item, 3000) == OL_EDEADLK);
    CHECK(ol_notifier_wait(tn.n, 3000) == OL_EDEADLK);
    CHECK(seconds_since(t0) < 2.0);
    // Polls never block, so they stay allowed.
    CHECK(ol_future_wait(f, 0) == OL_ETIMEDOUT);
    CHECK(ol_iter_next(it, &item, 0) == OL_ETIMEDOUT);
    CHECK(ol_notifier_wait(tn.n, 0) == OL_ETIMEDOUT);
    // Another thread may block: the driver runs the loop meanwhile.
    std::atomic<int> other{1};
    std::thread waiter([&] { other = ol_future_wait(f, 10000); });
    ol_future_cancel(f);
    ol_loop_run(t.loop, OL_RUN_NOWAIT);
    waiter.join();
    CHECK(other == OL_OK);
    ol_iter_close(it);
    while (ol_loop_run(t.loop, OL_RUN_NOWAIT) > 0) {}
    ol_future_release(f);
}
