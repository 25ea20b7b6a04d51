// C17 at scale: 10,000 concurrent requests complete over a few reused connections.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_http_helpers.hpp"

// Enough descriptors for our sockets and the fixture's (it inherits the limit).
static void raise_nofile()
{
    rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

TEST_CASE("C17 HTTP 10,000 concurrent requests reuse connections", "[http][scale]")
{
    raise_nofile();
    FixtureServer fx;
    const unsigned max_host = 64;
    HttpLoop L(max_host);
    const size_t n = 10000;
    std::vector<ol_future *> futures(n, nullptr);
    std::string url = fx.url("/json");
    for (size_t i = 0; i < n; i++) {
        ol_job *job = nullptr;
        REQUIRE(ol_http_job_new(&job, nullptr, url.c_str()) == OL_OK);
        REQUIRE(ol_job_submit(L.loop, job, &futures[i]) == OL_OK);
    }
    REQUIRE(ol_wait_all(futures.data(), n, 120000) == OL_OK);
    size_t ok = 0, bytes = 0;
    for (ol_future *f : futures) {
        if (ol_future_status(f) == OL_OK) {
            ok++;
            bytes += ol_response_body_size(static_cast<const ol_response *>(ol_future_value(f)));
        }
        ol_future_release(f);
    }
    CHECK(ok == n);
    CHECK(bytes == n * 300);
    CHECK(L.connections() <= max_host);
    unsigned long long conns = 0, reqs = 0;
    fixture_stats(L.loop, fx, &conns, &reqs);
    CHECK(reqs == n);
    CHECK(conns <= max_host);
    CHECK(conns >= 1);
}

TEST_CASE("C10 HTTP 16 threads submitting and waiting at once", "[http][scale]")
{
    FixtureServer fx;
    HttpLoop L;
    std::atomic<int> ok{0}, bad{0};
    std::vector<std::thread> threads;
    std::string url = fx.url("/json");
    for (int t = 0; t < 16; t++) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; i++) {
                ol_job *job = nullptr;
                ol_future *f = nullptr;
                if (ol_http_job_new(&job, nullptr, url.c_str()) != OL_OK ||
                    ol_job_submit(L.loop, job, &f) != OL_OK) {
                    ++bad;
                    continue;
                }
                if (ol_future_wait(f, 60000) == OL_OK &&
                    ol_response_body_size(static_cast<const ol_response *>(ol_future_value(f))) ==
                        300)
                    ++ok;
                else
                    ++bad;
                ol_future_release(f);
            }
        });
    }
    for (auto &th : threads) th.join();
    CHECK(ok == 16 * 50);
    CHECK(bad == 0);
    CHECK(L.connections() <= 16); // at most one connection per concurrent caller
}

TEST_CASE("C17 HTTP loop option max_connections bounds open connections", "[http][scale]")
{
    FixtureServer fx;
    HttpLoop L(0, 4); // no per-host limit, 4 in total
    std::vector<Fut> futs;
    for (int i = 0; i < 100; i++) futs.push_back(http_submit(L.loop, fx.url("/delay/5")));
    for (Fut &f : futs) {
        REQUIRE(f.wait() == OL_OK);
        CHECK(ol_response_status(f.resp()) == 200);
    }
    // One host: the 4 connections are reused, never more opened. (With several hosts curl
    // closes an idle connection of one host to open one to another: the limit holds at every
    // moment, the count of connections opened over time grows.)
    CHECK(L.connections() <= 4);
    unsigned long long conns = 0, reqs = 0;
    fixture_stats(L.loop, fx, &conns, &reqs);
    CHECK(conns <= 4);
    CHECK(reqs == 100);
}
