// C16: each server fault gives its documented error and leaves no future pending; timeouts.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <vector>

#include "test_http_helpers.hpp"

TEST_CASE("C16 HTTP server faults map to their documented errors", "[http][faults]")
{
    FixtureServer fx;
    HttpLoop L;
    struct Case {
        const char *path;
        int expected;
    };
    const Case cases[] = {
        {"/fault/reset", OL_ERECV}, // connection reset mid-body
        {"/fault/truncated-chunked", OL_EPARTIAL},
        {"/fault/short", OL_EPARTIAL},         // fewer bytes than Content-Length
        {"/fault/garbage", OL_EPROTO},         // not an HTTP status line
        {"/fault/big-headers", OL_ETOOLARGE},  // 200 KB header line
        {"/fault/bad-status", OL_EPROTO},      // "HTTP/1.1 2OO": not a status code
        {"/fault/many-headers", OL_ETOOLARGE}, // 400 KB of short header lines
        {"/fault/close", OL_EEMPTY},           // closed without a reply
    };
    for (const Case &c : cases) {
        INFO(c.path);
        Fut f = http_run(L.loop, fx.url(c.path), nullptr, [](ol_job *j) {
            ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, 15000); // a hang would fail, not block
        });
        CHECK(ol_future_state_get(f.f) != OL_FUTURE_PENDING);
        CHECK(f.status() == c.expected);
        CHECK(!f.message().empty());
        CHECK(f.resp() == nullptr);
    }
    CHECK(L.settle_in_flight() == 0);
}

TEST_CASE("C16 a garbage status line is OL_EPROTO and not a denied protocol", "[http][faults]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/fault/bad-status"));
    CHECK(f.status() == OL_EPROTO);
    CHECK(!f.message().empty());
}

TEST_CASE("C16 too many response header bytes in short lines is OL_ETOOLARGE", "[http][faults]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/fault/many-headers"));
    CHECK(f.status() == OL_ETOOLARGE);
    CHECK(f.message().find("header") != std::string::npos);
}

// In a child process whose descriptor limit is used up: the loop and its curl multi exist
// already (a first request made them), then no socket can be opened.
static int connect_without_descriptors(const std::string &url)
{
    ol_loop *loop = nullptr;
    if (ol_loop_new(&loop, nullptr) != OL_OK) return 10;
    {
        Fut warm = http_run(loop, url);
        if (warm.status() != OL_ECONNREFUSED) return 11;
    }
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = 64;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 12;
    while (dup(0) >= 0) {} // take every descriptor left under the limit
    if (errno != EMFILE) return 13;
    Fut f = http_run(loop, url);
    int code = f.status() != OL_ECONNECT                         ? 1
               : f.message().find("EMFILE") == std::string::npos ? 2
                                                                 : 0;
    if (code) fprintf(stderr, "status %d: %s\n", f.status(), f.message().c_str());
    return code;
}

TEST_CASE("C16 running out of descriptors names EMFILE in the connect error", "[http][faults]")
{
    int closed_port;
    {
        FixtureServer gone;
        closed_port = gone.port();
    }
    std::string url = "http://127.0.0.1:" + std::to_string(closed_port) + "/";
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) _exit(connect_without_descriptors(url));
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0); // 1: not OL_ECONNECT, 2: no EMFILE in the message
}

TEST_CASE("C16 HTTP oversized headers on a reused connection", "[http][faults]")
{
    FixtureServer fx;
    HttpLoop L;
    REQUIRE(http_text(L.loop, fx.url("/json")).size() == 300);
    Fut f = http_run(L.loop, fx.url("/fault/big-headers"));
    CHECK(f.status() == OL_ETOOLARGE);
    CHECK(L.connections() == 1); // the second request went over the first connection
}

TEST_CASE("C16 HTTP lying Content-Length: the announced length wins", "[http][faults]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/fault/lie-length"));
    REQUIRE(f.status() == OL_OK);
    CHECK(f.body() == "01234");
}

TEST_CASE("C16 HTTP no answer and slow drip end with OL_ETIMEDOUT", "[http][faults]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut none = http_run(L.loop, fx.url("/fault/no-answer"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, 300) == OL_OK);
    });
    CHECK(none.status() == OL_ETIMEDOUT);
    CHECK(!none.message().empty());
    Fut drip =
        http_run(L.loop, fx.url("/fault/slow-drip?bytes=100&interval=100"), nullptr,
                 [](ol_job *j) { REQUIRE(ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, 500) == OL_OK); });
    CHECK(drip.status() == OL_ETIMEDOUT);
    Fut slow =
        http_run(L.loop, fx.url("/fault/slow-drip?bytes=100&interval=300"), nullptr, [](ol_job *j) {
            REQUIRE(ol_job_set_int(j, OL_HTTP_LOW_SPEED_LIMIT, 1000) == OL_OK);
            REQUIRE(ol_job_set_int(j, OL_HTTP_LOW_SPEED_TIME_S, 1) == OL_OK);
        });
    CHECK(slow.status() == OL_ETIMEDOUT);
    Fut ok = http_run(L.loop, fx.url("/fault/slow-drip?bytes=5&interval=10"));
    CHECK(ok.status() == OL_OK);
    CHECK(ok.body().size() == 5);
    CHECK(L.settle_in_flight() == 0);
}

// A loopback listener whose accept queue is full and never drained: a new connect hangs in
// SYN-SENT (the kernel drops the SYN), which is "connecting" without any network.
struct BlackholeListener {
    int listener = -1;
    std::vector<int> fillers;
    int port = 0;
    BlackholeListener()
    {
        listener = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(listener, (sockaddr *)&a, sizeof a);
        listen(listener, 0);
        socklen_t len = sizeof a;
        getsockname(listener, (sockaddr *)&a, &len);
        port = ntohs(a.sin_port);
        for (int i = 0; i < 4; i++) { // fill the queue (backlog 0 still takes one or two)
            int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            connect(s, (sockaddr *)&a, sizeof a);
            fillers.push_back(s);
        }
    }
    ~BlackholeListener()
    {
        for (int s : fillers) close(s);
        close(listener);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

TEST_CASE("C16 HTTP connect timeout", "[http][faults]")
{
    BlackholeListener hole;
    HttpLoop L;
    Fut f = http_run(L.loop, hole.url(), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_CONNECT_TIMEOUT_MS, 300) == OL_OK);
    });
    CHECK(f.status() == OL_ETIMEDOUT);
    CHECK(!f.message().empty());
}

TEST_CASE("C05 HTTP cancel during connect", "[http][cancel]")
{
    BlackholeListener hole;
    HttpLoop L;
    Fut f = http_submit(L.loop, hole.url());
    REQUIRE(f.f != nullptr);
    CHECK(f.wait(200) == OL_ETIMEDOUT); // still connecting
    REQUIRE(ol_future_cancel(f.f) == OL_OK);
    CHECK(f.status() == OL_ECANCELED);
    CHECK(L.settle_in_flight() == 0); // the loop ended the task: transfer removed
    // The loop keeps serving after the cancellation.
    FixtureServer fx;
    CHECK(http_text(L.loop, fx.url("/json")).size() == 300);
}

TEST_CASE("C05 HTTP cancel mid-body", "[http][cancel]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_submit(L.loop, fx.url("/fault/slow-drip?bytes=1000&interval=20"));
    REQUIRE(f.f != nullptr);
    CHECK(f.wait(300) == OL_ETIMEDOUT); // body is dripping
    REQUIRE(ol_future_cancel(f.f) == OL_OK);
    CHECK(f.status() == OL_ECANCELED);
    CHECK(ol_future_value(f.f) == nullptr);
    CHECK(L.settle_in_flight() == 0);
    CHECK(ol_future_cancel(f.f) == OL_EALREADY);
}

TEST_CASE("C09 HTTP releasing pending futures and shutting down with transfers in flight",
          "[http][cancel]")
{
    FixtureServer fx;
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    for (int i = 0; i < 20; i++) {
        ol_job *j = nullptr;
        REQUIRE(ol_http_job_new(&j, nullptr, fx.url("/delay/10000").c_str()) == OL_OK);
        ol_future *f = nullptr;
        REQUIRE(ol_job_submit(loop, j, &f) == OL_OK);
        ol_future_release(f); // nobody waits for it
    }
    Fut kept = http_submit(loop, fx.url("/delay/10000"));
    CHECK(ol_loop_shutdown(loop, 100) == OL_ETIMEDOUT); // cancelled at the deadline
    CHECK(kept.status() == OL_ECANCELED);
    ol_loop_free(loop);
}

TEST_CASE("C17 HTTP a pooled connection closed by the server is not reused", "[http][faults]")
{
    HttpLoop L;
    std::string old_url;
    {
        FixtureServer fx;
        old_url = fx.url("/json");
        REQUIRE(http_text(L.loop, old_url).size() == 300);
        REQUIRE(http_text(L.loop, old_url).size() == 300);
        CHECK(L.connections() == 1);
    }               // the server exits: the idle pooled connection sees EOF
    usleep(100000); // let the loop notice the EOF (not required for correctness)
    Fut gone = http_run(L.loop, old_url);
    CHECK(gone.status() == OL_ECONNREFUSED);
    FixtureServer fx2;
    CHECK(http_text(L.loop, fx2.url("/json")).size() == 300);
    CHECK(L.settle_in_flight() == 0);
}
