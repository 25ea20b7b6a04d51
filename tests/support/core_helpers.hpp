// Small helpers shared by the core's Catch2 tests.
#pragma once
#include <oneloop.h>

#include <atomic>
#include <cstdio>
#include <functional>

// Catch2's assertions are not thread-safe: code on the loop thread or on helper threads uses
// THREAD_CHECK, and the test asserts thread_check_failures() == 0 on its own thread.
inline std::atomic<int> &thread_check_failures()
{
    static std::atomic<int> failures{0};
    return failures;
}
#define THREAD_CHECK(cond)                                                                       \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            ++thread_check_failures();                                                           \
            std::fprintf(stderr, "%s:%d: THREAD_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                                        \
    } while (0)

// A loop of its own for one test, shut down and freed at scope exit.
struct TestLoop {
    ol_loop *loop = nullptr;
    explicit TestLoop(unsigned flags = 0)
    {
        ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
        opts.flags = flags;
        if (ol_loop_new(&loop, &opts) != OL_OK) loop = nullptr;
    }
    ~TestLoop()
    {
        if (loop) ol_loop_shutdown(loop, 5000);
        ol_loop_free(loop);
    }
    TestLoop(const TestLoop &) = delete;
    TestLoop &operator=(const TestLoop &) = delete;
};

// A notifier for one test, freed at scope exit (n is NULL if it could not be made).
struct TestNotifier {
    ol_notifier *n = nullptr;
    TestNotifier()
    {
        if (ol_notifier_new(&n) != OL_OK) n = nullptr;
    }
    ~TestNotifier() { ol_notifier_free(n); }
    int fd() const { return ol_notifier_fd(n); }
    TestNotifier(const TestNotifier &) = delete;
    TestNotifier &operator=(const TestNotifier &) = delete;
};

inline ol_future *submit_timer(ol_loop *loop, uint64_t ms)
{
    ol_job *job = nullptr;
    ol_future *f = nullptr;
    if (ol_job_timer_new(&job, ms) != OL_OK) return nullptr;
    if (ol_job_submit(loop, job, &f) != OL_OK) return nullptr;
    return f;
}

// A custom job whose behaviour is a C++ lambda run on the loop thread at start.
// The lambda returns a status: OL_OK finishes OK at once with value_int 7, a negative status
// fails the job at once, and OL_EPENDING leaves it running (finish it from elsewhere).
struct LambdaJob {
    std::function<int(ol_task *)> on_start;
    std::function<void(ol_task *)> on_cancel;
    std::atomic<int> *starts = nullptr;
    std::atomic<int> *destroys = nullptr;
};

inline int lambda_start(ol_task *task, void *user)
{
    auto *lj = static_cast<LambdaJob *>(user);
    if (lj->starts) ++*lj->starts;
    int rc = lj->on_start ? lj->on_start(task) : OL_OK;
    if (rc == OL_EPENDING) return OL_OK;
    if (rc == OL_OK) ol_task_finish(task, OL_OK, nullptr, nullptr, 7, nullptr);
    return rc;
}

inline void lambda_cancel(ol_task *task, void *user)
{
    auto *lj = static_cast<LambdaJob *>(user);
    if (lj->on_cancel)
        lj->on_cancel(task);
    else
        ol_task_finish(task, OL_ECANCELED, nullptr, nullptr, 0, nullptr);
}

inline void lambda_destroy(void *user)
{
    auto *lj = static_cast<LambdaJob *>(user);
    if (lj->destroys) ++*lj->destroys;
    delete lj;
}

inline ol_job *lambda_job(LambdaJob *lj)
{
    static const ol_custom_ops ops = {OL_CUSTOM_OPS_VERSION, lambda_start, lambda_cancel, nullptr,
                                      lambda_destroy};
    ol_job *job = nullptr;
    if (ol_job_custom_new(&job, &ops, lj) != OL_OK) {
        delete lj;
        return nullptr;
    }
    return job;
}

inline ol_future *submit_lambda(ol_loop *loop, std::function<int(ol_task *)> on_start,
                                std::atomic<int> *starts = nullptr,
                                std::atomic<int> *destroys = nullptr)
{
    auto *lj = new LambdaJob{std::move(on_start), nullptr, starts, destroys};
    ol_job *job = lambda_job(lj);
    ol_future *f = nullptr;
    if (!job || ol_job_submit(loop, job, &f) != OL_OK) return nullptr;
    return f;
}
