// Per-host admission: requests over max_host_connections wait in oneloop (first come, first
// served) rather than in curl, and a queued request can still time out, be cancelled or be
// shut down.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "test_http_helpers.hpp"

using Clock = std::chrono::steady_clock;

static long elapsed_ms(Clock::time_point since)
{
    return (long)std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since)
        .count();
}

TEST_CASE("C17 per-host limit: the rest wait their turn and reuse the same connections",
          "[http][admission]")
{
    FixtureServer fx;
    HttpLoop L(2);
    std::vector<Fut> futs;
    for (int i = 0; i < 40; i++) futs.push_back(http_submit(L.loop, fx.url("/delay/5")));
    for (Fut &f : futs) {
        REQUIRE(f.wait() == OL_OK);
        CHECK(f.body() == "ok");
    }
    unsigned long long conns = 0, reqs = 0;
    fixture_stats(L.loop, fx, &conns, &reqs);
    CHECK(conns <= 2);
    CHECK(reqs == 40);
    CHECK(L.settle_in_flight() == 0);
}

TEST_CASE("C17 the per-host limit is per host: another host is not held up", "[http][admission]")
{
    FixtureServer fx;
    HttpLoop L(1);
    Fut slow = http_submit(L.loop, fx.url("/delay/1500"));
    Fut queued = http_submit(L.loop, fx.url("/")); // same host: waits for the slow one
    auto t0 = Clock::now();
    Fut other = http_run(L.loop, fx.url("/", "localhost")); // another host name: runs now
    CHECK(other.status() == OL_OK);
    CHECK(elapsed_ms(t0) < 1000);
    CHECK(queued.status() == OL_EPENDING);
    REQUIRE(queued.wait() == OL_OK);
    CHECK(slow.status() == OL_OK); // first come, first served
}

TEST_CASE("C16 a request's timeout counts the time it waited for its host", "[http][admission]")
{
    FixtureServer fx;
    HttpLoop L(1);
    Fut slow = http_submit(L.loop, fx.url("/delay/5000"));
    Fut timed = http_submit(L.loop, fx.url("/"), nullptr, [](ol_job *job) {
        REQUIRE(ol_job_set_int(job, OL_HTTP_TIMEOUT_MS, 200) == OL_OK);
    });
    Fut patient = http_submit(L.loop, fx.url("/"));
    REQUIRE(timed.wait() == OL_OK);
    CHECK(timed.status() == OL_ETIMEDOUT);
    CHECK(timed.message().find("waiting for a connection") != std::string::npos);
    // It failed on its own deadline, while the host's one slot was still busy: not when its
    // turn came.
    CHECK(slow.status() == OL_EPENDING);
    CHECK(patient.status() == OL_EPENDING);
    CHECK(ol_future_cancel(slow.f) == OL_OK);
    REQUIRE(patient.wait() == OL_OK); // the slot passed on, past the expired one
    CHECK(patient.body() == "oneloop fixture");
}

TEST_CASE("C16 queued requests time out in deadline order, whatever their queue order",
          "[http][admission]")
{
    FixtureServer fx;
    HttpLoop L(1);
    Fut slow = http_submit(L.loop, fx.url("/delay/5000"));
    auto with_timeout = [](long ms) {
        return [ms](ol_job *job) { REQUIRE(ol_job_set_int(job, OL_HTTP_TIMEOUT_MS, ms) == OL_OK); };
    };
    Fut late = http_submit(L.loop, fx.url("/"), nullptr, with_timeout(1500));
    Fut early = http_submit(L.loop, fx.url("/"), nullptr, with_timeout(150));
    Fut never = http_submit(L.loop, fx.url("/")); // no timeout: waits for its turn
    REQUIRE(early.wait() == OL_OK);
    CHECK(early.status() == OL_ETIMEDOUT);
    CHECK(late.status() == OL_EPENDING); // queued first, but its deadline is later
    REQUIRE(late.wait() == OL_OK);
    CHECK(late.status() == OL_ETIMEDOUT);
    CHECK(slow.status() == OL_EPENDING);
    CHECK(never.status() == OL_EPENDING);
    CHECK(ol_future_cancel(slow.f) == OL_OK);
    REQUIRE(never.wait() == OL_OK);
    CHECK(never.status() == OL_OK);
}

TEST_CASE("C05 cancelling a request queued for its host", "[http][admission]")
{
    FixtureServer fx;
    HttpLoop L(1);
    Fut slow = http_submit(L.loop, fx.url("/delay/300"));
    Fut doomed = http_submit(L.loop, fx.url("/status/500"));
    Fut after = http_submit(L.loop, fx.url("/"));
    auto t0 = Clock::now();
    CHECK(ol_future_cancel(doomed.f) == OL_OK);
    REQUIRE(doomed.wait() == OL_OK);
    CHECK(doomed.status() == OL_ECANCELED);
    CHECK(elapsed_ms(t0) < 250); // did not wait for the slow one
    REQUIRE(slow.wait() == OL_OK);
    REQUIRE(after.wait() == OL_OK);
    unsigned long long conns = 0, reqs = 0;
    fixture_stats(L.loop, fx, &conns, &reqs);
    CHECK(reqs == 2); // the cancelled one never reached the server
    CHECK(L.settle_in_flight() == 0);
}

TEST_CASE("C09 shutdown cancels requests still queued for their host", "[http][admission]")
{
    FixtureServer fx;
    std::vector<Fut> futs;
    {
        HttpLoop L(1);
        for (int i = 0; i < 20; i++) futs.push_back(http_submit(L.loop, fx.url("/delay/2000")));
        CHECK(ol_loop_shutdown(L.loop, 0) == OL_ETIMEDOUT); // jobs had to be cancelled
    }
    for (Fut &f : futs) {
        REQUIRE(f.wait(0) == OL_OK); // shutdown settled every future
        CHECK(f.status() == OL_ECANCELED);
    }
}

// A stream's consumer that does not read keeps its connection (curl pauses the transfer): with
// every slot of the host held that way, a request waiting for one must not wait forever.
TEST_CASE("C16 a request waiting for a slot held by unread streams fails with OL_EHOSTLIMIT after "
          "its connect timeout",
          "[http][admission]")
{
    FixtureServer fx;
    HttpLoop L(2);
    std::vector<ol_iter *> unread;
    for (int i = 0; i < 2; i++) {
        ol_job *job = nullptr;
        REQUIRE(ol_http_job_new(&job, nullptr, fx.url("/chunked/100/100000").c_str()) == OL_OK);
        ol_iter *it = nullptr;
        REQUIRE(ol_job_submit_iter(L.loop, job, 1, &it) == OL_OK);
        ol_item *head = nullptr;
        REQUIRE(ol_iter_next(it, &head, 20000) == OL_OK); // connected and answering
        ol_item_free(head);
        unread.push_back(it);
    }
    auto t0 = Clock::now();
    Fut waiting = http_submit(L.loop, fx.url("/"), nullptr, [](ol_job *job) {
        REQUIRE(ol_job_set_int(job, OL_HTTP_CONNECT_TIMEOUT_MS, 200) == OL_OK);
    });
    REQUIRE(waiting.wait(10000) == OL_OK); // settles, rather than waiting forever
    CHECK(waiting.status() == OL_EHOSTLIMIT);
    CHECK(waiting.message().find("per-host") != std::string::npos);
    CHECK(waiting.message().find("2") != std::string::npos); // names the limit
    CHECK(elapsed_ms(t0) >= 150);
    CHECK(std::string(ol_strerror(OL_EHOSTLIMIT)).find("per-host") != std::string::npos);
    // Its total timeout, when shorter, still wins with OL_ETIMEDOUT.
    Fut timed = http_run(L.loop, fx.url("/"), nullptr, [](ol_job *job) {
        REQUIRE(ol_job_set_int(job, OL_HTTP_CONNECT_TIMEOUT_MS, 5000) == OL_OK);
        REQUIRE(ol_job_set_int(job, OL_HTTP_TIMEOUT_MS, 100) == OL_OK);
    });
    CHECK(timed.status() == OL_ETIMEDOUT);
    for (ol_iter *it : unread) ol_iter_close(it);
    Fut after = http_run(L.loop, fx.url("/"), nullptr, [](ol_job *job) {
        REQUIRE(ol_job_set_int(job, OL_HTTP_CONNECT_TIMEOUT_MS, 200) == OL_OK);
    });
    CHECK(after.status() == OL_OK); // the slots came back
}
