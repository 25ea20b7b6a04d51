// fork (C22) and process exit with jobs in flight (C23).
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace {
// Wait for a child with a deadline; kill it if it hangs. Returns its exit code, or -1.
int wait_child(pid_t pid, int seconds) {
    for (int i = 0; i < seconds * 100; i++) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
}

int child_uses_default_loop(ol_loop *parent_loop, ol_future *parent_future) {
    ol_loop *loop = ol_loop_default();
    if (!loop || loop == parent_loop) return 10;
    // The parent's handles are refused, never touched.
    if (ol_future_wait(parent_future, 0) != OL_EFORKED) return 11;
    ol_job *job = nullptr;
    ol_job_timer_new(&job, 1);
    ol_future *stale = nullptr;
    if (ol_job_submit(parent_loop, job, &stale) != OL_EFORKED) return 12;
    ol_future *f = submit_timer(loop, 5);
    if (!f || ol_future_wait(f, 5000) != OL_OK || ol_future_status(f) != OL_OK) return 13;
    ol_future_release(f);
    return 0;
}
} // namespace

TEST_CASE("C22 a forked child gets a fresh working executor; the parent is unaffected", "[fork]") {
    ol_loop *parent_loop = ol_loop_default();
    ol_future *pending = submit_timer(parent_loop, 300); // in flight across the fork
    ol_future *warm = submit_timer(parent_loop, 1);
    REQUIRE(ol_future_wait(warm, 5000) == OL_OK);
    ol_future_release(warm);

    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) _exit(child_uses_default_loop(parent_loop, pending));
    CHECK(wait_child(pid, 20) == 0);

    REQUIRE(ol_future_wait(pending, 5000) == OL_OK);
    CHECK(ol_future_status(pending) == OL_OK);
    ol_future_release(pending);
    ol_future *after = submit_timer(ol_loop_default(), 1);
    REQUIRE(ol_future_wait(after, 5000) == OL_OK);
    ol_future_release(after);
}

TEST_CASE("C23 a process exits promptly with jobs in flight", "[fork][exit]") {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl(OL_EXIT_WITH_JOBS, OL_EXIT_WITH_JOBS, (char *)nullptr);
        _exit(127);
    }
    CHECK(wait_child(pid, 20) == 0);
}

TEST_CASE("C23 exit after shutting the default loop down refuses new jobs cleanly", "[fork][exit]") {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ol_loop *loop = ol_loop_default();
        ol_future *f = submit_timer(loop, 600000);
        if (ol_loop_shutdown(loop, 50) != OL_ETIMEDOUT) _exit(20);
        if (ol_future_status(f) != OL_ECANCELED) _exit(21);
        ol_job *job = nullptr;
        ol_job_timer_new(&job, 1);
        ol_future *g = nullptr;
        if (ol_job_submit(ol_loop_default(), job, &g) != OL_ECLOSED) _exit(22);
        if (ol_loop_shutdown(loop, 50) != OL_ECLOSED) _exit(23);
        _exit(0);
    }
    CHECK(wait_child(pid, 20) == 0);
}
