// C05/C09/C13/C16 during name resolution: cancelling an HTTP job, closing its iterator, a
// connect timeout, or shutting the loop down while curl's threaded resolver is still inside
// getaddrinfo. slow_dns.c holds
// lookups of *.slow-dns.test until the test lets go, so "in DNS" is a state the test waits
// for, not a race; the held name then resolves to 127.0.0.1 (the fixture server).
#include <catch2/catch.hpp>

#include <chrono>

#include "dns/slow_dns.h"
#include "test_http_helpers.hpp"

namespace {

// One round of held lookups; whatever happens in the test, the held resolver threads are
// let go and have exited when it ends (nothing of curl's still runs at process exit).
struct SlowDnsRound {
    unsigned base;
    SlowDnsRound() : base(slow_dns_entered()) { slow_dns_hold(); }
    ~SlowDnsRound() { release_and_join(); }
    // Wait until the n-th lookup of this round is inside getaddrinfo.
    bool wait_entered(unsigned n) { return slow_dns_wait_entered(base + n, 20000) != 0; }
    bool release_and_join()
    {
        slow_dns_release();
        return slow_dns_wait_threads_exited(SLOW_DNS_CAP_MS + 10000) != 0;
    }
};

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

ol_iter *http_iter(ol_loop *loop, const std::string &url)
{
    ol_job *job = nullptr;
    if (ol_http_job_new(&job, nullptr, url.c_str()) != OL_OK) return nullptr;
    ol_iter *it = nullptr;
    if (ol_job_submit_iter(loop, job, 0, &it) != OL_OK) return nullptr;
    return it;
}

// After a cancellation: a request to the fixture server completes while the cancelled lookup
// is still held. The loop thread therefore did not wait for the resolver thread, and (with
// the loop's single connection slot) the cancelled transfer gave its connection back.
void check_loop_serves_while_held(ol_loop *loop, const FixtureServer &fx)
{
    Fut next = http_run(loop, fx.url("/json"));
    CHECK(next.status() == OL_OK);
    CHECK(next.body().size() == 300);
    CHECK(slow_dns_held() == 1);
    CHECK(slow_dns_capped() == 0);
}

} // namespace

TEST_CASE("DNS held lookups: the request waits in DNS, then resolves to the fixture", "[http][dns]")
{
    // The premise of the cases below: a .slow-dns.test name really reaches our getaddrinfo
    // through curl's resolver thread, stays there, and a released lookup completes.
    FixtureServer fx;
    HttpLoop L(0, 1); // one connection in all: a transfer in DNS already holds it
    SlowDnsRound dns;
    Fut slow = http_submit(L.loop, fx.url("/json", "ok.slow-dns.test"));
    REQUIRE(slow.f != nullptr);
    REQUIRE(dns.wait_entered(1));
    Fut queued = http_submit(L.loop, fx.url("/json"));
    REQUIRE(queued.f != nullptr);
    CHECK(queued.wait(300) == OL_ETIMEDOUT); // waits for the slot the lookup holds
    CHECK(ol_future_state_get(slow.f) == OL_FUTURE_PENDING);
    CHECK(slow_dns_held() == 1);
    CHECK(dns.release_and_join());
    REQUIRE(slow.wait() == OL_OK);
    CHECK(slow.status() == OL_OK);
    CHECK(slow.body().size() == 300);
    ol_http_timing t;
    t.version = OL_HTTP_TIMING_VERSION;
    REQUIRE(ol_response_timing(slow.resp(), &t) == OL_OK);
    CHECK(t.dns_us >= 300000); // the lookup lasted at least as long as it was held
    REQUIRE(queued.wait() == OL_OK);
    CHECK(queued.body().size() == 300);
    CHECK(slow_dns_capped() == 0);
}

TEST_CASE("C05 HTTP cancel during DNS resolution", "[http][cancel][dns]")
{
    FixtureServer fx;
    HttpLoop L(0, 1);
    SlowDnsRound dns;
    Fut f = http_submit(L.loop, fx.url("/json", "cancel.slow-dns.test"));
    REQUIRE(f.f != nullptr);
    REQUIRE(dns.wait_entered(1));
    REQUIRE(ol_future_state_get(f.f) == OL_FUTURE_PENDING);
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(ol_future_cancel(f.f) == OL_OK);
    CHECK(seconds_since(t0) < 1.0); // the lookup is held for up to SLOW_DNS_CAP_MS
    CHECK(f.status() == OL_ECANCELED);
    CHECK(ol_future_value(f.f) == nullptr);
    check_loop_serves_while_held(L.loop, fx);
    CHECK(ol_future_cancel(f.f) == OL_EALREADY);
    // Let the abandoned lookup finish: curl's detached thread frees its state and exits.
    CHECK(dns.release_and_join());
    CHECK(http_text(L.loop, fx.url("/json")).size() == 300);
    CHECK(L.settle_in_flight() == 0);
}

TEST_CASE("C13 HTTP closing a stream's iterator during DNS resolution", "[http][stream][dns]")
{
    FixtureServer fx;
    HttpLoop L(0, 1);
    SlowDnsRound dns;
    ol_iter *it = http_iter(L.loop, fx.url("/chunked/20/1000", "iter.slow-dns.test"));
    REQUIRE(it != nullptr);
    REQUIRE(dns.wait_entered(1));
    ol_item *item = nullptr;
    REQUIRE(ol_iter_next(it, &item, 0) == OL_ETIMEDOUT); // nothing yet: still resolving
    auto t0 = std::chrono::steady_clock::now();
    ol_iter_close(it);
    CHECK(seconds_since(t0) < 1.0);
    check_loop_serves_while_held(L.loop, fx);
    CHECK(dns.release_and_join());
    CHECK(http_text(L.loop, fx.url("/json")).size() == 300);
    CHECK(L.settle_in_flight() == 0);
}

TEST_CASE("C16 HTTP connect timeout during DNS resolution", "[http][faults][dns]")
{
    // curl ends the transfer itself here (same removal path as a cancel).
    FixtureServer fx;
    HttpLoop L(0, 1);
    SlowDnsRound dns;
    Fut f = http_submit(L.loop, fx.url("/json", "timeout.slow-dns.test"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_CONNECT_TIMEOUT_MS, 300) == OL_OK);
    });
    REQUIRE(f.f != nullptr);
    REQUIRE(dns.wait_entered(1));
    REQUIRE(f.wait() == OL_OK);
    CHECK(f.status() == OL_ETIMEDOUT);
    CHECK(!f.message().empty());
    CHECK(slow_dns_held() == 1); // settled while the lookup was still running
    check_loop_serves_while_held(L.loop, fx);
    CHECK(dns.release_and_join());
}

TEST_CASE("C09 HTTP shutting a loop down with a transfer in DNS resolution", "[http][cancel][dns]")
{
    FixtureServer fx;
    SlowDnsRound dns;
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    Fut f = http_submit(loop, fx.url("/json", "shutdown.slow-dns.test"));
    REQUIRE(f.f != nullptr);
    REQUIRE(dns.wait_entered(1));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(ol_loop_shutdown(loop, 0) == OL_ETIMEDOUT); // the transfer had to be cancelled
    CHECK(seconds_since(t0) < 2.0);                   // did not wait for the held lookup
    CHECK(f.status() == OL_ECANCELED);
    CHECK(slow_dns_held() == 1);
    CHECK(dns.release_and_join());
    CHECK(slow_dns_capped() == 0);
    ol_loop_free(loop);
}
