// The loop: the default executor, extra loops, host-driven loops, shutdown, stats, deadlock guard.
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

TEST_CASE("C25 ol_loop_default is one loop, safe to start from many threads at once", "[loop]")
{
    std::vector<std::thread> threads;
    std::vector<ol_loop *> seen(16, nullptr);
    for (int i = 0; i < 16; i++) threads.emplace_back([&, i] { seen[i] = ol_loop_default(); });
    for (auto &th : threads) th.join();
    REQUIRE(seen[0] != nullptr);
    for (auto *loop : seen) CHECK(loop == seen[0]);
    ol_future *f = submit_timer(seen[0], 1);
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    ol_future_release(f);
}

TEST_CASE("version and status strings", "[loop]")
{
    CHECK(ol_version() == OL_VERSION_NUMBER);
    CHECK(std::string(ol_version_string()) == OL_VERSION_STRING);
    CHECK(std::string(ol_strerror(OL_ECANCELED)) == "cancelled");
    CHECK(std::string(ol_strerror(-12345)) == "unknown status");
}

TEST_CASE("C15 NULL and invalid arguments give OL_EINVAL, never a crash", "[loop][args]")
{
    ol_loop *loop = nullptr;
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    CHECK(ol_loop_options_init(nullptr, OL_LOOP_OPTIONS_VERSION) == OL_EINVAL);
    CHECK(ol_loop_options_init(&opts, 0) == OL_EINVAL);
    CHECK(ol_loop_options_init(&opts, OL_LOOP_OPTIONS_VERSION + 1) == OL_EINVAL);
    CHECK(ol_loop_new(nullptr, nullptr) == OL_EINVAL);
    opts.version = 99;
    CHECK(ol_loop_new(&loop, &opts) == OL_EINVAL);
    CHECK(loop == nullptr);
    CHECK(ol_loop_shutdown(nullptr, 0) == OL_EINVAL);
    CHECK(ol_loop_run(nullptr, OL_RUN_NOWAIT) == OL_EINVAL);
    CHECK(ol_loop_stats_get(nullptr, nullptr) == OL_EINVAL);
    ol_loop_stats stats = {};
    CHECK(ol_loop_stats_get(ol_loop_default(), &stats) == OL_EINVAL); // version 0

    ol_future *f = nullptr;
    ol_job *job = nullptr;
    CHECK(ol_job_submit(nullptr, nullptr, &f) == OL_EINVAL);
    REQUIRE(ol_job_timer_new(&job, 1) == OL_OK);
    CHECK(ol_job_submit(nullptr, job, &f) == OL_EINVAL); // job consumed, no leak
    REQUIRE(ol_job_timer_new(&job, 1) == OL_OK);
    CHECK(ol_job_submit(ol_loop_default(), job, nullptr) == OL_EINVAL);
    REQUIRE(ol_job_timer_new(&job, 1) == OL_OK);
    CHECK(ol_job_set_int(job, 12345, 1) == OL_EINVAL); // timers have no options
    CHECK(ol_job_set_str(job, 12345, "x") == OL_EINVAL);
    CHECK(ol_job_set_bytes(job, 12345, nullptr, 3) == OL_EINVAL);
    ol_iter *it = nullptr;
    CHECK(ol_job_submit_iter(ol_loop_default(), job, 0, &it) == OL_ENOTSUP); // consumed
    CHECK(it == nullptr);
    CHECK(ol_job_timer_new(nullptr, 1) == OL_EINVAL);
    CHECK(ol_job_work_new(&job, nullptr, nullptr, nullptr) == OL_EINVAL);
    CHECK(ol_job_custom_new(&job, nullptr, nullptr) == OL_EINVAL);
    ol_custom_ops no_start = {OL_CUSTOM_OPS_VERSION, nullptr, nullptr, nullptr, nullptr};
    CHECK(ol_job_custom_new(&job, &no_start, nullptr) == OL_EINVAL);
    ol_job_free(nullptr);
    CHECK(ol_job_kind_get(nullptr) == OL_EINVAL);

    CHECK(ol_future_wait(nullptr, 0) == OL_EINVAL);
    CHECK(ol_future_cancel(nullptr) == OL_EINVAL);
    CHECK(ol_future_status(nullptr) == OL_EINVAL);
    CHECK(ol_future_value(nullptr) == nullptr);
    CHECK(ol_wait_all(nullptr, 2, 0) == OL_EINVAL);
    ol_future *holes[] = {nullptr, nullptr};
    CHECK(ol_wait_all(holes, 2, 0) == OL_EINVAL);
    CHECK(ol_wait_any(holes, 2, 0, nullptr) == OL_EINVAL);
    CHECK(ol_wait_any(holes, 0, 0, nullptr) == OL_EINVAL);
    CHECK(ol_iter_next(nullptr, nullptr, 0) == OL_EINVAL);
    ol_iter_close(nullptr);
    CHECK(ol_notifier_new(nullptr) == OL_EINVAL);
    CHECK(ol_notifier_watch(nullptr, nullptr, 0) == OL_EINVAL);
    CHECK(ol_notifier_fd(nullptr) == OL_EINVAL);
    ol_notifier_free(nullptr);
    CHECK(ol_task_finish(nullptr, OL_OK, nullptr, nullptr, 0, nullptr) == OL_EINVAL);
    CHECK(ol_task_push(nullptr, OL_ITEM_DATA, "x", 1, nullptr, nullptr) == OL_EINVAL);
}

TEST_CASE("C11 a blocking wait on the loop thread returns OL_EDEADLK at once", "[loop]")
{
    TestLoop t;
    ol_future *slow = submit_timer(t.loop, 60000);
    std::atomic<int> wait_rc{0}, all_rc{0}, shutdown_rc{0};
    ol_loop *loop = t.loop;
    ol_future *probe = submit_lambda(t.loop, [&](ol_task *) {
        wait_rc = ol_future_wait(slow, -1);
        all_rc = ol_wait_all(&slow, 1, -1);
        shutdown_rc = ol_loop_shutdown(loop, -1);
        return OL_OK;
    });
    REQUIRE(ol_future_wait(probe, 5000) == OL_OK);
    CHECK(wait_rc == OL_EDEADLK);
    CHECK(all_rc == OL_EDEADLK);
    CHECK(shutdown_rc == OL_EDEADLK);
    ol_future_cancel(slow);
    ol_future_release(slow);
    ol_future_release(probe);
}

TEST_CASE("jobs can be submitted from the loop thread (a job starting another)", "[loop]")
{
    TestLoop t;
    ol_future *inner = nullptr;
    ol_loop *loop = t.loop;
    ol_future *outer = submit_lambda(t.loop, [&](ol_task *task) {
        THREAD_CHECK(ol_task_loop(task) == loop);
        THREAD_CHECK(ol_task_uv_loop(task) != nullptr);
        inner = submit_timer(loop, 1);
        return OL_OK;
    });
    REQUIRE(ol_future_wait(outer, 5000) == OL_OK);
    REQUIRE(inner);
    REQUIRE(ol_future_wait(inner, 5000) == OL_OK);
    CHECK(ol_future_status(inner) == OL_OK);
    CHECK(thread_check_failures() == 0);
    ol_future_release(inner);
    ol_future_release(outer);
}

TEST_CASE("the loop thread blocks every signal", "[loop]")
{
    TestLoop t;
    std::atomic<int> blocked{0};
    ol_future *f = submit_lambda(t.loop, [&](ol_task *) {
        sigset_t mask;
        pthread_sigmask(SIG_BLOCK, nullptr, &mask);
        blocked = sigismember(&mask, SIGINT) && sigismember(&mask, SIGPIPE) &&
                  sigismember(&mask, SIGTERM);
        return OL_OK;
    });
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(blocked == 1);
    // ... and did not change the calling thread's mask.
    sigset_t mine;
    pthread_sigmask(SIG_BLOCK, nullptr, &mine);
    CHECK_FALSE(sigismember(&mine, SIGINT));
    ol_future_release(f);
}

TEST_CASE("the loop thread is named oneloop", "[loop]")
{
    TestLoop t;
    char name[16] = {0};
    ol_future *f = submit_lambda(t.loop, [&](ol_task *) {
        pthread_getname_np(pthread_self(), name, sizeof name);
        return OL_OK;
    });
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(std::string(name) == "oneloop");
    ol_future_release(f);
}

TEST_CASE("shutdown settles 10k pending jobs within the deadline and refuses new ones", "[loop]")
{
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    std::vector<ol_future *> fs;
    for (int i = 0; i < 10000; i++) fs.push_back(submit_timer(loop, i < 100 ? 1 : 600000));
    auto t0 = std::chrono::steady_clock::now();
    int rc = ol_loop_shutdown(loop, 200);
    auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(rc == OL_ETIMEDOUT);                 // some had to be cancelled
    CHECK(elapsed < std::chrono::seconds(30)); // a hang guard, not a performance check
    size_t done = 0, cancelled = 0;
    for (auto *f : fs) {
        REQUIRE(ol_future_wait(f, 0) == OL_OK); // every one settled
        if (ol_future_status(f) == OL_OK) done++;
        if (ol_future_status(f) == OL_ECANCELED) cancelled++;
        ol_future_release(f);
    }
    CHECK(done >= 100);
    CHECK(done + cancelled == 10000);
    ol_loop_free(loop);
}

TEST_CASE("shutdown drains running jobs that finish before the deadline", "[loop]")
{
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    ol_future *f = submit_timer(loop, 30);
    CHECK(ol_loop_shutdown(loop, 10000) == OL_OK);
    CHECK(ol_future_status(f) == OL_OK);
    ol_future_release(f);
    ol_loop_free(loop);
}

TEST_CASE("a host-driven loop (OL_LOOP_NO_THREAD) runs on the caller's thread", "[loop]")
{
    TestLoop t(OL_LOOP_NO_THREAD);
    REQUIRE(t.loop);
    CHECK(ol_loop_backend_fd(t.loop) >= 0);
    ol_future *f = submit_timer(t.loop, 5);
    std::atomic<bool> on_caller{false};
    ol_loop *loop = t.loop;
    ol_future *g = submit_lambda(t.loop, [&](ol_task *) {
        on_caller = ol_loop_is_loop_thread(loop) == 1;
        return OL_OK;
    });
    CHECK(ol_future_status(f) == OL_EPENDING); // nothing runs until the host drives it
    while (ol_future_status(f) == OL_EPENDING) ol_loop_run(t.loop, OL_RUN_ONCE);
    CHECK(ol_future_status(f) == OL_OK);
    CHECK(ol_future_status(g) == OL_OK);
    CHECK(on_caller);
    CHECK(ol_loop_is_loop_thread(t.loop) == 0); // outside ol_loop_run
    ol_future_release(f);
    ol_future_release(g);
}

TEST_CASE("loop stats count submitted, completed, failed, cancelled and in flight", "[loop]")
{
    TestLoop t;
    ol_future *ok = submit_timer(t.loop, 1);
    ol_future *bad = submit_lambda(t.loop, [](ol_task *) { return OL_EPROTO; });
    ol_future *slow = submit_timer(t.loop, 60000);
    ol_future *two[] = {ok, bad};
    REQUIRE(ol_wait_all(two, 2, 5000) == OL_OK);
    ol_loop_stats s = OL_LOOP_STATS_INIT;
    REQUIRE(ol_loop_stats_get(t.loop, &s) == OL_OK);
    CHECK(s.submitted == 3);
    CHECK(s.completed == 1);
    CHECK(s.failed == 1);
    CHECK(s.in_flight == 1);
    ol_future_cancel(slow);
    REQUIRE(ol_loop_stats_get(t.loop, &s) == OL_OK);
    CHECK(s.cancelled == 1);
    CHECK(s.in_flight == 0);
    CHECK(s.queue_depth == 0);
    for (auto *f : {ok, bad, slow}) ol_future_release(f);
}
