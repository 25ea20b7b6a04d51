// fork (C22) and process exit with jobs in flight (C23).
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace {
// Wait for a child with a deadline; kill it if it hangs. Returns its exit code, or -1.
int wait_child(pid_t pid, int seconds)
{
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

int child_uses_default_loop(ol_loop *parent_loop, ol_future *parent_future)
{
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

TEST_CASE("C22 a forked child gets a fresh working executor; the parent is unaffected", "[fork]")
{
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

TEST_CASE("C23 a process exits promptly with jobs in flight", "[fork][exit]")
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl(OL_EXIT_WITH_JOBS, OL_EXIT_WITH_JOBS, (char *)nullptr);
        _exit(127);
    }
    CHECK(wait_child(pid, 20) == 0);
}

TEST_CASE("C23 work jobs still queued in the thread pool at exit never start", "[fork][exit]")
{
    // libuv's exit cleanup runs the queued work of its pool after every other library's
    // cleanup. 100 jobs of 200 ms on a pool of 4: only those already running may run.
    char marks[] = "/tmp/oneloop-exit-work-XXXXXX";
    int fd = mkstemp(marks);
    REQUIRE(fd >= 0);
    close(fd);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl(OL_EXIT_WITH_JOBS, OL_EXIT_WITH_JOBS, "queued-work", marks, (char *)nullptr);
        _exit(127);
    }
    CHECK(wait_child(pid, 60) == 0);
    struct stat st {};
    REQUIRE(stat(marks, &st) == 0);
    unlink(marks);
    CHECK(st.st_size >= 1);
    CHECK(st.st_size < 50); // all 100 before the fix
}

TEST_CASE("C23 ol_loop_shutdown from a late exit handler returns instead of joining",
          "[fork][exit]")
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl(OL_EXIT_WITH_JOBS, OL_EXIT_WITH_JOBS, "shutdown-at-exit", (char *)nullptr);
        _exit(127);
    }
    CHECK(wait_child(pid, 20) == 0); // -1: it hung joining the parked loop thread
}

TEST_CASE("C23 exit after shutting the default loop down refuses new jobs cleanly", "[fork][exit]")
{
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

namespace {
int idle_start(ol_task *, void *) { return OL_OK; }
void idle_cancel(ol_task *task, void *)
{
    ol_task_finish(task, OL_ECANCELED, nullptr, nullptr, 0, nullptr);
}
const ol_custom_ops idle_ops = {OL_CUSTOM_OPS_VERSION, idle_start, idle_cancel, nullptr, nullptr};

std::atomic<int> child_callbacks{0};
void count_callback(ol_future *, void *) { ++child_callbacks; }
void count_ready(ol_iter *, int, void *) { ++child_callbacks; }

// Every call on a parent's handle answers OL_EFORKED at once and runs nothing of the parent's.
int child_uses_parent_handles(ol_future *pending, ol_iter *it, ol_notifier *n)
{
    if (ol_future_cancel(pending) != OL_EFORKED) return 30;
    if (ol_future_on_done(pending, count_callback, nullptr) != OL_EFORKED) return 31;
    ol_future *fs[] = {pending};
    if (ol_wait_all(fs, 1, -1) != OL_EFORKED) return 32;
    if (ol_wait_any(fs, 1, -1, nullptr) != OL_EFORKED) return 33;
    if (ol_future_wait(pending, -1) != OL_EFORKED) return 34;
    ol_item *item = nullptr;
    if (ol_iter_next(it, &item, -1) != OL_EFORKED) return 40;
    if (ol_iter_on_ready(it, count_ready, nullptr) != OL_EFORKED) return 41;
    if (ol_iter_cancel(it) != OL_EFORKED) return 42;
    ol_iter_close(it); // left alone: must neither hang nor cancel the parent's job
    if (ol_notifier_post(n, 1) != OL_EFORKED) return 50;
    if (ol_notifier_wait(n, -1) != OL_EFORKED) return 51;
    if (ol_notifier_watch(n, pending, 2) != OL_EFORKED) return 52;
    uint64_t tag = 0;
    if (ol_notifier_drain(n, &tag, 1) != 0) return 53;
    ol_notifier_free(n);
    if (child_callbacks != 0) return 60;
    // The child's own handles still work.
    ol_future *f = submit_timer(ol_loop_default(), 1);
    if (!f || ol_future_wait(f, 5000) != OL_OK) return 70;
    ol_future_release(f);
    return 0;
}
} // namespace

TEST_CASE("a parent's futures, iterators and notifiers answer EFORKED at once in a child", "[fork]")
{
    ol_loop *loop = ol_loop_default();
    std::atomic<int> parent_callbacks{0};
    ol_future *pending = submit_timer(loop, 60000);
    REQUIRE(ol_future_on_done(
                pending, [](ol_future *, void *u) { ++*static_cast<std::atomic<int> *>(u); },
                &parent_callbacks) == OL_OK);
    ol_job *job = nullptr;
    ol_iter *it = nullptr;
    REQUIRE(ol_job_custom_new(&job, &idle_ops, nullptr) == OL_OK);
    REQUIRE(ol_job_submit_iter(loop, job, 0, &it) == OL_OK);
    ol_notifier *n = nullptr;
    REQUIRE(ol_notifier_new(&n) == OL_OK);

    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) _exit(child_uses_parent_handles(pending, it, n));
    CHECK(wait_child(pid, 20) == 0);

    // The parent's handles are as they were: nothing cancelled, nothing posted.
    CHECK(ol_future_status(pending) == OL_EPENDING);
    CHECK(parent_callbacks == 0);
    CHECK(ol_notifier_wait(n, 0) == OL_ETIMEDOUT);
    ol_item *item = nullptr;
    CHECK(ol_iter_next(it, &item, 0) == OL_ETIMEDOUT);
    CHECK(ol_future_cancel(pending) == OL_OK);
    for (int i = 0; i < 500 && parent_callbacks == 0; i++) // runs on the loop thread
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(parent_callbacks == 1);
    ol_iter_close(it);
    ol_notifier_free(n);
    ol_future_release(pending);
}
