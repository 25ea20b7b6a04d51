// Helpers shared by the HTTP tests: a loop per test, request building, results as strings.
#pragma once

#include <oneloop.h>

#include <cstdio>
#include <functional>
#include <string>

#include "support/fixture_server.hpp"

// A loop of its own (optionally with connection limits), shut down at scope exit.
struct HttpLoop {
    ol_loop *loop = nullptr;
    explicit HttpLoop(unsigned max_host = 0, unsigned max_total = 0)
    {
        ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
        opts.max_host_connections = max_host;
        opts.max_connections = max_total;
        if (ol_loop_new(&loop, &opts) != OL_OK) loop = nullptr;
    }
    ~HttpLoop()
    {
        if (loop) ol_loop_shutdown(loop, 5000);
        ol_loop_free(loop);
    }
    HttpLoop(const HttpLoop &) = delete;
    HttpLoop &operator=(const HttpLoop &) = delete;
    uint64_t connections() const
    {
        ol_loop_stats st;
        st.version = OL_LOOP_STATS_VERSION;
        ol_loop_stats_get(loop, &st);
        return st.http_connections;
    }
    uint64_t in_flight() const
    {
        ol_loop_stats st;
        st.version = OL_LOOP_STATS_VERSION;
        ol_loop_stats_get(loop, &st);
        return st.in_flight;
    }
    // In-flight jobs once the loop has caught up (the stats counters trail the wake-up of
    // waiters by a moment): polls up to ~10 s, returns what is left.
    uint64_t settle_in_flight() const
    {
        for (int i = 0; i < 1000 && in_flight() != 0; i++) usleep(10000);
        return in_flight();
    }
};

// One future, released at scope exit.
struct Fut {
    ol_future *f = nullptr;
    Fut() = default;
    explicit Fut(ol_future *fut) : f(fut) {}
    ~Fut() { ol_future_release(f); }
    Fut(Fut &&o) noexcept : f(o.f) { o.f = nullptr; }
    Fut(const Fut &) = delete;
    Fut &operator=(const Fut &) = delete;
    int wait(int64_t ms = 20000) { return ol_future_wait(f, ms); }
    int status() const { return ol_future_status(f); }
    std::string message() const { return ol_future_error_message(f); }
    const ol_response *resp() const { return static_cast<const ol_response *>(ol_future_value(f)); }
    std::string body() const
    {
        const ol_response *r = resp();
        return r ? std::string(static_cast<const char *>(ol_response_body(r)),
                               ol_response_body_size(r))
                 : std::string();
    }
};

using JobSetup = std::function<void(ol_job *)>;

// Build and submit a request; the setup lambda sets options (and may REQUIRE on them).
inline Fut http_submit(ol_loop *loop, const std::string &url, const char *method = nullptr,
                       const JobSetup &setup = nullptr)
{
    ol_job *job = nullptr;
    if (ol_http_job_new(&job, method, url.c_str()) != OL_OK) return Fut();
    if (setup) setup(job);
    ol_future *f = nullptr;
    if (ol_job_submit(loop, job, &f) != OL_OK) return Fut();
    return Fut(f);
}

// Submit, wait (bounded), return the settled future.
inline Fut http_run(ol_loop *loop, const std::string &url, const char *method = nullptr,
                    const JobSetup &setup = nullptr)
{
    Fut f = http_submit(loop, url, method, setup);
    if (f.f) f.wait();
    return f;
}

// GET a small text endpoint, body as string ("" on failure).
inline std::string http_text(ol_loop *loop, const std::string &url)
{
    Fut f = http_run(loop, url);
    return f.status() == OL_OK ? f.body() : std::string();
}

// The fixture's /stats counters.
inline void fixture_stats(ol_loop *loop, const FixtureServer &fx, unsigned long long *conns,
                          unsigned long long *reqs)
{
    std::string s = http_text(loop, fx.url("/stats"));
    *conns = *reqs = 0;
    sscanf(s.c_str(), "{\"connections\":%llu,\"requests\":%llu}", conns, reqs);
}

// Resident memory of this process in bytes (0 if unknown), for coarse growth bounds.
inline size_t resident_bytes()
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Under AddressSanitizer freed memory sits in a quarantine and every block has redzones, and
// ThreadSanitizer maps shadow memory as the program touches its heap: RSS growth bounds say
// nothing there (ASan's leak checker covers those builds instead).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#    define OL_TEST_RSS_BOUNDS 0
#elif defined(__has_feature)
#    if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#        define OL_TEST_RSS_BOUNDS 0
#    endif
#endif
#ifndef OL_TEST_RSS_BOUNDS
#    define OL_TEST_RSS_BOUNDS 1
#endif
