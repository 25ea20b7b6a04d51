// Issue 13, the core runtime: a failing start, refused batches and iterators, the shutdown
// race and deadline, closing apart from freeing, descriptor exhaustion, versioned structs.
// Run the suite under scripts/sanitize.sh as well: several of these are memory errors that
// only ASan/LSan report (a use-after-free, a leaked iterator).
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

// Settle status of a future that must already be settled (OL_EPENDING if it is not).
int settled_status(ol_future *f)
{
    return ol_future_wait(f, 0) == OL_OK ? ol_future_status(f) : OL_EPENDING;
}

ol_job *pending_lambda_job(std::atomic<int> *destroys)
{
    // Runs until cancelled: the default cancel finishes it with OL_ECANCELED.
    return lambda_job(
        new LambdaJob{[](ol_task *) { return OL_EPENDING; }, nullptr, nullptr, destroys});
}
} // namespace

// ---- point 2: a start that fails and finishes the task inside start

TEST_CASE("an HTTP job whose start fails settles once and is freed once", "[hardening][start]")
{
    TestLoop t;
    REQUIRE(t.loop);
    SECTION("a protocol list curl rejects")
    {
        ol_job *job = nullptr;
        REQUIRE(ol_http_job_new(&job, "GET", "http://127.0.0.1:9/") == OL_OK);
        REQUIRE(ol_job_set_str(job, OL_HTTP_PROTOCOLS, "foo") == OL_OK);
        ol_future *f = nullptr;
        REQUIRE(ol_job_submit(t.loop, job, &f) == OL_OK);
        REQUIRE(ol_future_wait(f, 10000) == OL_OK);
        CHECK(ol_future_status(f) < 0);
        ol_future_release(f);
    }
    SECTION("a URL over 8 MiB")
    {
        std::string url = "http://127.0.0.1:9/" + std::string(9u << 20, 'a');
        ol_job *job = nullptr;
        REQUIRE(ol_http_job_new(&job, "GET", url.c_str()) == OL_OK);
        ol_future *f = nullptr;
        REQUIRE(ol_job_submit(t.loop, job, &f) == OL_OK);
        REQUIRE(ol_future_wait(f, 10000) == OL_OK);
        CHECK(ol_future_status(f) < 0);
        ol_future_release(f);
    }
}

TEST_CASE("a custom job that finishes inside start and then fails is freed once",
          "[hardening][start]")
{
    TestLoop t;
    std::atomic<int> destroys{0};
    auto *lj = new LambdaJob{[](ol_task *task) {
                                 ol_task_finish(task, OL_EPROTO, nullptr, nullptr, 0, "early");
                                 return OL_ERROR; // contract breach: must not double-settle
                             },
                             nullptr, nullptr, &destroys};
    // lambda_start finishes only on OL_OK: OL_ERROR goes back to the runtime as is.
    ol_job *job = lambda_job(lj);
    ol_future *f = nullptr;
    REQUIRE(ol_job_submit(t.loop, job, &f) == OL_OK);
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(ol_future_status(f) == OL_EPROTO);
    ol_future_release(f);
    ol_loop_shutdown(t.loop, 5000);
    CHECK(destroys == 1);
}

// ---- point 3: refused batches free each job exactly once

TEST_CASE("a refused batch frees a repeated job once", "[hardening][batch]")
{
    TestLoop t;
    std::atomic<int> destroys{0};
    ol_job *a = pending_lambda_job(&destroys);
    ol_job *b = pending_lambda_job(&destroys);
    REQUIRE(a);
    REQUIRE(b);
    ol_future *out[4] = {};
    SECTION("repeated job plus a NULL")
    {
        ol_job *jobs[] = {a, b, a, nullptr};
        CHECK(ol_job_submit_batch(t.loop, jobs, 4, out) == OL_EINVAL);
        for (auto *f : out) CHECK(f == nullptr);
    }
    SECTION("repeated job with out == NULL")
    {
        ol_job *jobs[] = {a, a, b, b};
        CHECK(ol_job_submit_batch(t.loop, jobs, 4, nullptr) == OL_EINVAL);
    }
    SECTION("repeated job, valid otherwise")
    {
        ol_job *jobs[] = {a, b, b, a};
        CHECK(ol_job_submit_batch(t.loop, jobs, 4, out) == OL_EINVAL);
        for (auto *f : out) CHECK(f == nullptr);
    }
    SECTION("repeated job on a closed loop")
    {
        REQUIRE(ol_loop_shutdown(t.loop, 0) == OL_OK);
        ol_job *jobs[] = {b, a, b};
        CHECK(ol_job_submit_batch(t.loop, jobs, 3, out) == OL_EINVAL);
    }
    CHECK(destroys == 2);
}

// ---- point 12: a refused iterator submit leaks nothing (LSan reports a leak otherwise)

TEST_CASE("a refused ol_job_submit_iter frees the iterator", "[hardening][iter]")
{
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    REQUIRE(ol_loop_shutdown(loop, 0) == OL_OK);
    std::atomic<int> destroys{0};
    ol_iter *it = nullptr;
    CHECK(ol_job_submit_iter(loop, pending_lambda_job(&destroys), 0, &it) == OL_ECLOSED);
    CHECK(it == nullptr);
    CHECK(destroys == 1);
    ol_loop_free(loop);
}

// ---- point 24: closing apart from freeing

TEST_CASE("submits after ol_loop_shutdown get OL_ECLOSED until ol_loop_free", "[hardening][close]")
{
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    ol_future *before = submit_timer(loop, 1);
    REQUIRE(ol_loop_shutdown(loop, 5000) == OL_OK);
    CHECK(ol_future_status(before) == OL_OK);
    ol_future_release(before); // no future keeps the loop's memory now: only the handle does
    CHECK(ol_loop_shutdown(loop, 0) == OL_ECLOSED);
    ol_job *job = nullptr;
    REQUIRE(ol_job_timer_new(&job, 1) == OL_OK);
    ol_future *f = nullptr;
    CHECK(ol_job_submit(loop, job, &f) == OL_ECLOSED);
    CHECK(f == nullptr);
    ol_loop_stats stats = OL_LOOP_STATS_INIT;
    CHECK(ol_loop_stats_get(loop, &stats) == OL_OK);
    CHECK(stats.completed == 1);
    CHECK(ol_loop_run(loop, OL_RUN_NOWAIT) == OL_EINVAL); // it has a thread
    ol_loop_free(loop);
    ol_loop_free(nullptr);
}

TEST_CASE("ol_loop_free on a running loop shuts it down first", "[hardening][close]")
{
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    std::atomic<int> destroys{0};
    ol_future *f = nullptr;
    REQUIRE(ol_job_submit(loop, pending_lambda_job(&destroys), &f) == OL_OK);
    ol_loop_free(loop); // cancels what runs
    CHECK(settled_status(f) == OL_ECANCELED);
    CHECK(destroys == 1);
    ol_future_release(f); // a future may outlive the loop's handle
    // The default loop is never freed: this is a no-op.
    ol_loop_free(ol_loop_default());
    ol_future *g = submit_timer(ol_loop_default(), 1);
    REQUIRE(g);
    CHECK(ol_future_wait(g, 5000) == OL_OK);
    ol_future_release(g);
}

// ---- point 5: a submit racing with shutdown settles, never stays pending

TEST_CASE("jobs submitted while the loop shuts down all settle", "[hardening][shutdown]")
{
    int rounds = 300;
    for (int round = 0; round < rounds; round++) {
        ol_loop *loop = nullptr;
        REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
        std::atomic<bool> go{false};
        std::atomic<int> destroys{0}, accepted{0};
        std::vector<ol_future *> futures[3];
        std::vector<std::thread> submitters;
        for (int s = 0; s < 3; s++) {
            submitters.emplace_back([&, s] {
                while (!go) std::this_thread::yield();
                for (;;) {
                    ol_future *f = nullptr;
                    int rc = ol_job_submit(loop, pending_lambda_job(&destroys), &f);
                    if (rc != OL_OK) {
                        THREAD_CHECK(rc == OL_ECLOSED);
                        break;
                    }
                    ++accepted;
                    futures[s].push_back(f);
                }
            });
        }
        go = true;
        while (accepted < 3) std::this_thread::yield();
        ol_loop_shutdown(loop, 0);
        for (auto &th : submitters) th.join();
        size_t pending = 0, not_cancelled = 0;
        for (auto &v : futures)
            for (auto *f : v) {
                int status = settled_status(f);
                if (status == OL_EPENDING)
                    pending++;
                else if (status != OL_ECANCELED)
                    not_cancelled++;
            }
        CHECK(pending == 0);
        CHECK(not_cancelled == 0);
        ol_loop_stats stats = OL_LOOP_STATS_INIT;
        REQUIRE(ol_loop_stats_get(loop, &stats) == OL_OK);
        CHECK(stats.queue_depth == 0);
        CHECK(stats.in_flight == 0);
        ol_loop_free(loop);
        for (auto &v : futures)
            for (auto *f : v) {
                if (settled_status(f) == OL_EPENDING) ol_future_cancel(f);
                ol_future_release(f);
            }
        if (pending) {
            INFO("round " << round);
            FAIL("futures left pending after shutdown");
        }
        CHECK(destroys == accepted + 3); // and each submitter's refused job
    }
    CHECK(thread_check_failures() == 0);
}

// ---- point 7: the shutdown deadline is a bound; running pool work finishes detached

namespace {
struct DetachedWork {
    std::atomic<bool> release{false};
    std::atomic<int> started{0}, values_freed{0}, args_freed{0};
};

int block_until_released(void *arg, void **value, ol_free_fn *value_free, int64_t *)
{
    auto *w = static_cast<DetachedWork *>(arg);
    ++w->started;
    auto until = Clock::now() + std::chrono::seconds(5);
    while (!w->release && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    *value = w;
    *value_free = [](void *p) { ++static_cast<DetachedWork *>(p)->values_freed; };
    return OL_OK;
}
void count_arg_free(void *arg) { ++static_cast<DetachedWork *>(arg)->args_freed; }
} // namespace

TEST_CASE("shutdown returns at its deadline while pool work still runs", "[hardening][shutdown]")
{
    auto *w = new DetachedWork;
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    ol_job *job = nullptr;
    REQUIRE(ol_job_work_new(&job, block_until_released, w, count_arg_free) == OL_OK);
    ol_future *f = nullptr;
    REQUIRE(ol_job_submit(loop, job, &f) == OL_OK);
    while (w->started == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    auto t0 = Clock::now();
    int rc = ol_loop_shutdown(loop, 100);
    auto elapsed = Clock::now() - t0;
    CHECK(rc == OL_ETIMEDOUT);
    CHECK(elapsed < std::chrono::seconds(2)); // 20x the deadline; the work blocks for 5 s
    CHECK(settled_status(f) == OL_ECANCELED);
    ol_future_release(f);
    ol_loop_free(loop); // the work still runs: the loop's memory stays until it ends

    w->release = true;
    auto until = Clock::now() + std::chrono::seconds(10);
    while ((w->args_freed == 0 || w->values_freed == 0) && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(w->args_freed == 1);
    CHECK(w->values_freed == 1); // the value of a cancelled future is freed, not leaked
    delete w;
}

TEST_CASE("a host-driven loop's shutdown returns at its deadline while pool work runs",
          "[hardening][shutdown]")
{
    auto *w = new DetachedWork;
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    opts.flags = OL_LOOP_NO_THREAD;
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, &opts) == OL_OK);
    ol_job *job = nullptr;
    REQUIRE(ol_job_work_new(&job, block_until_released, w, count_arg_free) == OL_OK);
    ol_future *f = nullptr;
    REQUIRE(ol_job_submit(loop, job, &f) == OL_OK);
    while (w->started == 0) ol_loop_run(loop, OL_RUN_NOWAIT);

    auto t0 = Clock::now();
    CHECK(ol_loop_shutdown(loop, 100) == OL_ETIMEDOUT);
    CHECK(Clock::now() - t0 < std::chrono::seconds(2)); // a thread of its own runs the rest
    CHECK(settled_status(f) == OL_ECANCELED);
    ol_future_release(f);
    ol_loop_free(loop);

    w->release = true;
    auto until = Clock::now() + std::chrono::seconds(10);
    while ((w->args_freed == 0 || w->values_freed == 0) && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(w->args_freed == 1);
    CHECK(w->values_freed == 1);
    delete w;
}

// ---- point 4: the first ol_loop_default with few descriptors left

TEST_CASE("ol_loop_default with descriptors exhausted returns NULL, never aborts",
          "[hardening][fds]")
{
    for (int free_fds = 0; free_fds <= 8; free_fds++) {
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            // A fresh process image: libuv's process-wide state starts uninitialised.
            std::string n = std::to_string(free_fds);
            execl(OL_DEFAULT_LOOP_HELPER, OL_DEFAULT_LOOP_HELPER, "few-fds", n.c_str(),
                  (char *)nullptr);
            _exit(127);
        }
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        INFO("descriptors left free: " << free_fds);
        CHECK(WIFEXITED(status));
        if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == 0);
        if (WIFEXITED(status)) CHECK(WEXITSTATUS(status) == 0);
    }
}

// ---- point 23: versioned structs are read and written at the caller's version's size

namespace {
// A struct of `size` bytes at the very end of a buffer, followed by canary bytes.
struct Guarded {
    static constexpr size_t kCanary = 32;
    std::vector<unsigned char> buf;
    size_t size;
    explicit Guarded(size_t size_) : buf(size_ + kCanary, 0xA5), size(size_) {}
    template <class T> T *as(unsigned version)
    {
        auto *p = reinterpret_cast<T *>(buf.data());
        std::memset(p, 0, size);
        p->version = version;
        return p;
    }
    bool canary_intact() const
    {
        for (size_t i = size; i < buf.size(); i++)
            if (buf[i] != 0xA5) return false;
        return true;
    }
};
#define FIELD_END(type, field) (offsetof(type, field) + sizeof(((type *)nullptr)->field))
} // namespace

TEST_CASE("version 1 structs are written only up to their last field", "[hardening][abi]")
{
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    {
        Guarded g(FIELD_END(ol_loop_options, max_host_connections));
        auto *opts = g.as<ol_loop_options>(1);
        CHECK(ol_loop_options_init(opts, 1) == OL_OK);
        CHECK(opts->max_host_connections == OL_LOOP_DEFAULT_MAX_HOST_CONNECTIONS);
        CHECK(g.canary_intact());
        opts->version = 1;
        CHECK(ol_loop_options_get(loop, opts) == OL_OK);
        CHECK(opts->version == 1);
        CHECK(g.canary_intact());
    }
    {
        Guarded g(FIELD_END(ol_loop_stats, http_connections));
        auto *stats = g.as<ol_loop_stats>(1);
        CHECK(ol_loop_stats_get(loop, stats) == OL_OK);
        CHECK(g.canary_intact());
    }
    {
        // Read only: a v1 options struct at the end of the buffer is all that is read.
        Guarded g(FIELD_END(ol_loop_options, max_host_connections));
        auto *opts = g.as<ol_loop_options>(1);
        ol_loop_options_init(opts, 1);
        ol_loop *other = nullptr;
        CHECK(ol_loop_new(&other, opts) == OL_OK);
        ol_loop_free(other);
    }
    {
        // A response's timing: a file:// URL gives a response without any server.
        ol_job *job = nullptr;
        REQUIRE(ol_http_job_new(&job, "GET", "file:///dev/null") == OL_OK);
        REQUIRE(ol_job_set_str(job, OL_HTTP_PROTOCOLS, "file") == OL_OK);
        ol_future *f = nullptr;
        REQUIRE(ol_job_submit(loop, job, &f) == OL_OK);
        REQUIRE(ol_future_wait(f, 10000) == OL_OK);
        REQUIRE(ol_future_status(f) == OL_OK);
        auto *resp = static_cast<const ol_response *>(ol_future_value(f));
        Guarded g(FIELD_END(ol_http_timing, redirects));
        auto *timing = g.as<ol_http_timing>(1);
        CHECK(ol_response_timing(resp, timing) == OL_OK);
        CHECK(timing->version == 1);
        CHECK(g.canary_intact());
        ol_future_release(f);
    }
    ol_loop_free(loop);
}

TEST_CASE("versioned structs of an unknown higher version are refused", "[hardening][abi]")
{
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    opts.version = OL_LOOP_OPTIONS_VERSION + 1;
    ol_loop *loop = nullptr;
    CHECK(ol_loop_new(&loop, &opts) == OL_EINVAL);
    CHECK(ol_loop_options_init(&opts, OL_LOOP_OPTIONS_VERSION + 1) == OL_EINVAL);
    CHECK(ol_loop_default_configure(&opts) == OL_EINVAL);
    CHECK(ol_loop_options_get(ol_loop_default(), &opts) == OL_EINVAL);
    ol_loop_stats stats = OL_LOOP_STATS_INIT;
    stats.version = OL_LOOP_STATS_VERSION + 1;
    CHECK(ol_loop_stats_get(ol_loop_default(), &stats) == OL_EINVAL);
    ol_custom_ops ops = {OL_CUSTOM_OPS_VERSION + 1, lambda_start, nullptr, nullptr, nullptr};
    ol_job *job = nullptr;
    CHECK(ol_job_custom_new(&job, &ops, nullptr) == OL_EINVAL);
    CHECK(job == nullptr);
}
