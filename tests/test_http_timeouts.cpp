// Issue 13 point 22: default timeouts (connect 10 s, idle 300 s between received bytes, no
// total timeout, no size limit) and "0 means no limit" for every timeout and limit option.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "test_http_helpers.hpp"

using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A loopback port whose connects never complete: a listener with a full backlog that never
// accepts drops further SYNs, so a client's connect hangs until its own timeout.
struct BlackHole {
    int listener = -1;
    std::vector<int> fillers;
    int port = 0;
    BlackHole()
    {
        listener = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(listener, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
            listen(listener, 0) != 0 ||
            getsockname(listener, reinterpret_cast<sockaddr *>(&a), &len) != 0)
            return;
        port = ntohs(a.sin_port);
        for (int i = 0; i < 3; i++) { // fill the backlog
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
            fillers.push_back(fd);
        }
        usleep(100 * 1000);
    }
    ~BlackHole()
    {
        for (int fd : fillers) close(fd);
        if (listener >= 0) close(listener);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

TEST_CASE("HTTP defaults: connect timeout 10 s unless set; a small one fires", "[http][timeouts]")
{
    CHECK(OL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS == 10000);
    CHECK(OL_HTTP_DEFAULT_IDLE_TIMEOUT_MS == 300000);
    BlackHole hole;
    REQUIRE(hole.port > 0);
    HttpLoop L;
    auto t0 = Clock::now();
    Fut small = http_run(L.loop, hole.url(), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_CONNECT_TIMEOUT_MS, 200) == OL_OK);
    });
    CHECK(small.status() == OL_ETIMEDOUT);
    CHECK(seconds_since(t0) < 5);
    // The default: nothing set, the connect gives up after about 10 s (coarse bounds).
    t0 = Clock::now();
    Fut dflt = http_submit(L.loop, hole.url());
    REQUIRE(dflt.wait(60000) == OL_OK);
    double took = seconds_since(t0);
    CHECK(dflt.status() == OL_ETIMEDOUT);
    CHECK(took > 5);
    CHECK(took < 40);
}

TEST_CASE("HTTP idle timeout: a server that stops sending fails with OL_ETIMEDOUT",
          "[http][timeouts]")
{
    FixtureServer fx;
    HttpLoop L;
    auto t0 = Clock::now();
    Fut f = http_run(L.loop, fx.url("/fault/no-answer"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_IDLE_TIMEOUT_MS, 300) == OL_OK);
    });
    CHECK(f.status() == OL_ETIMEDOUT);
    CHECK(f.message().find("idle") != std::string::npos);
    CHECK(seconds_since(t0) < 5);
    // Stalled mid-body (a drip far slower than the idle timeout), streamed too.
    ol_job *job = nullptr;
    std::string drip = fx.url("/fault/slow-drip?bytes=5&interval=5000");
    REQUIRE(ol_http_job_new(&job, nullptr, drip.c_str()) == OL_OK);
    REQUIRE(ol_job_set_int(job, OL_HTTP_IDLE_TIMEOUT_MS, 300) == OL_OK);
    ol_iter *it = nullptr;
    REQUIRE(ol_job_submit_iter(L.loop, job, 0, &it) == OL_OK);
    ol_item *item = nullptr;
    int rc;
    while ((rc = ol_iter_next(it, &item, 20000)) == OL_OK) ol_item_free(item);
    CHECK(rc == OL_ETIMEDOUT);
    ol_iter_close(it);
}

TEST_CASE("HTTP idle timeout: bytes that keep coming restart it", "[http][timeouts]")
{
    FixtureServer fx;
    HttpLoop L;
    // 12 bytes, one per 100 ms: 1.2 s in all, never 600 ms without a byte.
    Fut f =
        http_run(L.loop, fx.url("/fault/slow-drip?bytes=12&interval=100"), nullptr, [](ol_job *j) {
            REQUIRE(ol_job_set_int(j, OL_HTTP_IDLE_TIMEOUT_MS, 600) == OL_OK);
        });
    CHECK(f.status() == OL_OK);
    CHECK(f.body().size() == 12);
}

TEST_CASE("HTTP idle timeout: time the consumer holds a paused stream does not count",
          "[http][timeouts]")
{
    FixtureServer fx;
    HttpLoop L;
    const size_t total = 4 << 20;
    for (int decompress = 0; decompress <= 1; decompress++) {
        INFO("decompress " << decompress);
        std::string path = decompress ? "/encoded/gzip/" : "/bytes/";
        ol_job *job = nullptr;
        REQUIRE(ol_http_job_new(&job, nullptr, fx.url(path + std::to_string(total)).c_str()) ==
                OL_OK);
        REQUIRE(ol_job_set_int(job, OL_HTTP_IDLE_TIMEOUT_MS, 300) == OL_OK);
        REQUIRE(ol_job_set_int(job, OL_HTTP_DECOMPRESS, decompress) == OL_OK);
        ol_iter *it = nullptr;
        REQUIRE(ol_job_submit_iter(L.loop, job, 16 * 1024, &it) == OL_OK);
        ol_item *item = nullptr;
        REQUIRE(ol_iter_next(it, &item, 20000) == OL_OK); // the head
        ol_item_free(item);
        usleep(1500 * 1000); // five idle timeouts long, with the channel full
        size_t got = 0;
        int rc;
        while ((rc = ol_iter_next(it, &item, 20000)) == OL_OK) {
            got += ol_item_size(item);
            ol_item_free(item);
        }
        CHECK(rc == OL_ITEROVER);
        CHECK(ol_iter_error_message(it) == std::string());
        CHECK(got == total);
        ol_iter_close(it);
    }
}

TEST_CASE("HTTP options: 0 means no limit for every timeout and limit option", "[http][timeouts]")
{
    FixtureServer fx;
    HttpLoop L;
    // 0 for each, and a response slower (1.5 s) and larger (1 MB) than any small limit.
    for (int option :
         {OL_HTTP_CONNECT_TIMEOUT_MS, OL_HTTP_TIMEOUT_MS, OL_HTTP_IDLE_TIMEOUT_MS,
          OL_HTTP_LOW_SPEED_LIMIT, OL_HTTP_LOW_SPEED_TIME_S, OL_HTTP_MAX_RESPONSE_BYTES}) {
        INFO("option " << option);
        Fut f = http_run(L.loop, fx.url("/bytes/1000000?delay=1500"), nullptr,
                         [&](ol_job *j) { REQUIRE(ol_job_set_int(j, option, 0) == OL_OK); });
        CHECK(f.status() == OL_OK);
        CHECK(f.body().size() == 1000000);
    }
    // All of them at once, on a drip (1.5 s) that a 1 ms value of any would fail.
    Fut all =
        http_run(L.loop, fx.url("/fault/slow-drip?bytes=5&interval=300"), nullptr, [](ol_job *j) {
            for (int option :
                 {OL_HTTP_CONNECT_TIMEOUT_MS, OL_HTTP_TIMEOUT_MS, OL_HTTP_IDLE_TIMEOUT_MS,
                  OL_HTTP_LOW_SPEED_LIMIT, OL_HTTP_LOW_SPEED_TIME_S, OL_HTTP_MAX_RESPONSE_BYTES})
                REQUIRE(ol_job_set_int(j, option, 0) == OL_OK);
        });
    CHECK(all.status() == OL_OK);
    CHECK(all.body() == "abcde");
}
