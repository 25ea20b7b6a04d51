// Responses no fixture route gives: a loopback server that answers its i-th connection with
// the i-th scripted reply, byte for byte, then closes. Found by tests/fuzz/fuzz_http_transfer.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "test_http_helpers.hpp"

struct ScriptedServer {
    int listener = -1;
    int port = 0;
    std::vector<std::string> replies;
    std::thread thread;
    explicit ScriptedServer(std::vector<std::string> r) : replies(std::move(r))
    {
        listener = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(listener, (sockaddr *)&a, sizeof a);
        listen(listener, 8);
        socklen_t len = sizeof a;
        getsockname(listener, (sockaddr *)&a, &len);
        port = ntohs(a.sin_port);
        thread = std::thread([this] { serve(); });
    }
    ~ScriptedServer()
    {
        shutdown(listener, SHUT_RDWR); // ends a pending accept
        thread.join();
        close(listener);
    }
    void serve()
    {
        for (const std::string &reply : replies) {
            int c = accept(listener, nullptr, nullptr);
            if (c < 0) return;
            read_request(c);
            send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
            shutdown(c, SHUT_WR);
            close(c);
        }
    }
    // Up to the blank line, so that closing does not reset the connection under unread bytes.
    static void read_request(int c)
    {
        std::string got;
        char buf[4096];
        pollfd p{c, POLLIN, 0};
        while (got.find("\r\n\r\n") == std::string::npos && poll(&p, 1, 5000) > 0) {
            ssize_t n = recv(c, buf, sizeof buf, 0);
            if (n <= 0) return;
            got.append(buf, (size_t)n);
        }
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

static const std::string kPlainReply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok";

// libcurl 7.83 to 8.0 (Debian 12: 7.88) keep a pointer to the previous transfer's last header
// after freeing it; a response opening its headers with a folded line made them realloc it:
// "realloc(): invalid pointer", the process aborted.
TEST_CASE("HTTP a folded line opening a response's headers never crashes the process",
          "[http][faults]")
{
    ScriptedServer server(
        {kPlainReply, "HTTP/1.1 200 OK\r\n :\r\nContent-Length: 0\r\n\r\n", kPlainReply});
    HttpLoop L; // each request reuses the easy handle the one before it gave back
    Fut first = http_run(L.loop, server.url());
    REQUIRE(first.status() == OL_OK);
    CHECK(first.body() == "ok");
    Fut folded = http_run(L.loop, server.url());
    // Settled either way: curl 7.88 refuses the line (no header to continue), 8.14 takes it.
    CHECK(ol_future_state_get(folded.f) != OL_FUTURE_PENDING);
    Fut after = http_run(L.loop, server.url());
    CHECK(after.status() == OL_OK);
    CHECK(after.body() == "ok");
}

// The status a stream's head reports: the head's, once the stream ended OK; else the stream's
// failure status.
static int streamed_status(ol_loop *loop, const std::string &url, int *status)
{
    ol_job *job = nullptr;
    REQUIRE(ol_http_job_new(&job, nullptr, url.c_str()) == OL_OK);
    ol_iter *it = nullptr;
    REQUIRE(ol_job_submit_iter(loop, job, 0, &it) == OL_OK);
    ol_item *item = nullptr;
    int rc;
    while ((rc = ol_iter_next(it, &item, 20000)) == OL_OK) {
        if (ol_item_kind_get(item) == OL_ITEM_HEAD)
            *status = ol_response_status(static_cast<const ol_response *>(ol_item_object(item)));
        ol_item_free(item);
    }
    ol_iter_close(it);
    return rc == OL_ITEROVER ? OL_OK : rc;
}

// A stream's head used oneloop's own reading of the status line, the buffered response
// curl's: on a line they read differently, the two reported different statuses (0 and 200 for
// "HTTP/q.1 200" with curl 7.88, 300 and 200 for "HTTP/2.1 300" with curl 8.14).
TEST_CASE("HTTP a stream's head reports the same status as the buffered response", "[http][stream]")
{
    const char *replies[] = {"HTTP/q.1 200 OK\r\n\r\nbody", "HTTP/2.1 300 OK\r\n\r\nbody",
                             "HtTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
                             "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nbody"};
    HttpLoop L;
    for (const char *reply : replies) {
        INFO(reply);
        ScriptedServer server({reply, reply});
        Fut buffered = http_run(L.loop, server.url());
        int streamed = 0;
        int stream_rc = streamed_status(L.loop, server.url(), &streamed);
        CHECK(stream_rc == buffered.status());
        if (buffered.status() == OL_OK && stream_rc == OL_OK)
            CHECK(streamed == ol_response_status(buffered.resp()));
    }
}
