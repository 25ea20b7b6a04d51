// Easy handles are reused from one transfer to the next, and a plain transfer's handle keeps
// its shared options instead of being reset (core/src/http/easy.c). Requests run one at a time on
// their own loop, so each one gets the handle the previous one just returned: whatever the
// previous request set must not reach the next.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test_http_helpers.hpp"

static std::string header_of(const Fut &f, const char *name)
{
    const char *v = f.resp() ? ol_response_header(f.resp(), name) : nullptr;
    return v ? v : "";
}

// A plain GET of /echo/headers: what the server received, checked for traces of any option.
static void check_plain_request(ol_loop *loop, const FixtureServer &fx)
{
    Fut f = http_run(loop, fx.url("/echo/headers"));
    REQUIRE(f.status() == OL_OK);
    std::string head = f.body();
    INFO(head);
    CHECK(head.rfind("GET /echo/headers HTTP/1.1\r\n", 0) == 0);
    CHECK(head.find("User-Agent: oneloop/") != std::string::npos);
    for (const char *trace : {"X-Custom", "Authorization", "Accept-Encoding", "Content-Length",
                              "Content-Type", "Expect", "custom-agent"})
        CHECK(head.find(trace) == std::string::npos);
    Fut echo = http_run(loop, fx.url("/echo"));
    REQUIRE(echo.status() == OL_OK);
    CHECK(header_of(echo, "x-echo-method") == "GET");
    CHECK(header_of(echo, "x-echo-body-length") == "0");
    Fut redirect = http_run(loop, fx.url("/redirect/1"));
    CHECK(redirect.status() == OL_OK);
    CHECK(ol_response_status(redirect.resp()) == 302); /* not followed */
    Fut slow = http_run(loop, fx.url("/delay/300"));   /* no timeout left over */
    CHECK(slow.status() == OL_OK);
    Fut big = http_run(loop, fx.url("/bytes/100000")); /* no size limit left over */
    CHECK(big.status() == OL_OK);
    CHECK(ol_response_body_size(big.resp()) == 100000);
}

struct CustomRequest {
    const char *what;
    const char *method;
    const char *path;
    JobSetup setup;
};

TEST_CASE("a reused easy handle keeps nothing of the previous request's options", "[http][reuse]")
{
    FixtureServer fx;
    HttpLoop L;
    const std::string body = "{\"a\":1}";
    std::vector<CustomRequest> customs = {
        {"a POST with a body", "POST", "/echo",
         [&](ol_job *j) {
             ol_job_set_bytes(j, OL_HTTP_BODY, body.data(), body.size());
             ol_job_set_str(j, OL_HTTP_HEADER, "Content-Type: application/json");
         }},
        {"a PUT without a body", "PUT", "/echo", nullptr},
        {"a HEAD", "HEAD", "/echo", nullptr},
        {"headers", nullptr, "/echo/headers",
         [](ol_job *j) { ol_job_set_str(j, OL_HTTP_HEADER, "X-Custom: 1"); }},
        {"a user agent", nullptr, "/echo/headers",
         [](ol_job *j) { ol_job_set_str(j, OL_HTTP_USER_AGENT, "custom-agent"); }},
        {"basic auth", nullptr, "/echo/headers",
         [](ol_job *j) { ol_job_set_str(j, OL_HTTP_BASIC_AUTH, "user:secret"); }},
        {"decompression", nullptr, "/gzip",
         [](ol_job *j) { ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1); }},
        {"followed redirects", nullptr, "/redirect/2",
         [](ol_job *j) { ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, 5); }},
        {"timeouts", nullptr, "/delay/10",
         [](ol_job *j) {
             ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, 150);
             ol_job_set_int(j, OL_HTTP_CONNECT_TIMEOUT_MS, 150);
         }},
        {"a timeout that fires", nullptr, "/delay/2000",
         [](ol_job *j) { ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, 50); }},
        {"a response size limit", nullptr, "/bytes/100",
         [](ol_job *j) { ol_job_set_int(j, OL_HTTP_MAX_RESPONSE_BYTES, 1000); }},
        {"HTTP/1.0", nullptr, "/echo",
         [](ol_job *j) { ol_job_set_int(j, OL_HTTP_VERSION, OL_HTTP_VERSION_1_0); }},
        {"a plain GET", nullptr, "/json", nullptr},
    };
    check_plain_request(L.loop, fx);
    for (const CustomRequest &c : customs) {
        INFO("after " << c.what);
        Fut f = http_run(L.loop, fx.url(c.path), c.method, c.setup);
        CHECK(f.status() != OL_EINVAL); /* the options themselves were accepted */
        check_plain_request(L.loop, fx);
    }
}

TEST_CASE("a handle reused with its options serves custom requests in full", "[http][reuse]")
{
    // The handle comes from plain GETs, so it skips the shared options; the custom ones still
    // take effect on top of them.
    FixtureServer fx;
    HttpLoop L;
    check_plain_request(L.loop, fx);
    const std::string body = "hello";
    Fut post = http_run(L.loop, fx.url("/echo"), "POST", [&](ol_job *j) {
        ol_job_set_bytes(j, OL_HTTP_BODY, body.data(), body.size());
    });
    REQUIRE(post.status() == OL_OK);
    CHECK(header_of(post, "x-echo-method") == "POST");
    CHECK(post.body() == body);
    check_plain_request(L.loop, fx);
    Fut ua = http_run(L.loop, fx.url("/echo/headers"), nullptr,
                      [](ol_job *j) { ol_job_set_str(j, OL_HTTP_USER_AGENT, "custom-agent"); });
    REQUIRE(ua.status() == OL_OK);
    CHECK(ua.body().find("User-Agent: custom-agent\r\n") != std::string::npos);
    check_plain_request(L.loop, fx);
    Fut followed = http_run(L.loop, fx.url("/redirect/2"), nullptr,
                            [](ol_job *j) { ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, 5); });
    REQUIRE(followed.status() == OL_OK);
    CHECK(ol_response_status(followed.resp()) == 200);
    check_plain_request(L.loop, fx);
    Fut limited = http_run(L.loop, fx.url("/bytes/5000"), nullptr,
                           [](ol_job *j) { ol_job_set_int(j, OL_HTTP_MAX_RESPONSE_BYTES, 1000); });
    CHECK(limited.status() == OL_ETOOLARGE);
    check_plain_request(L.loop, fx);
}

TEST_CASE("handles of failed, cancelled and streamed transfers are reused cleanly", "[http][reuse]")
{
    FixtureServer fx;
    HttpLoop L;
    int closed_port;
    {
        FixtureServer gone;
        closed_port = gone.port();
    }
    Fut refused = http_run(L.loop, "http://127.0.0.1:" + std::to_string(closed_port) + "/");
    CHECK(refused.status() == OL_ECONNREFUSED);
    check_plain_request(L.loop, fx);

    Fut cancelled = http_submit(L.loop, fx.url("/delay/5000"));
    REQUIRE(cancelled.f != nullptr);
    usleep(50000); /* in the multi by now */
    CHECK(ol_future_cancel(cancelled.f) == OL_OK);
    REQUIRE(L.settle_in_flight() == 0);
    check_plain_request(L.loop, fx);

    // A stream whose consumer stops reading (curl pauses the transfer), then closes it.
    ol_job *job = nullptr;
    REQUIRE(ol_http_job_new(&job, nullptr, fx.url("/chunked/50/10000").c_str()) == OL_OK);
    ol_iter *it = nullptr;
    REQUIRE(ol_job_submit_iter(L.loop, job, 1, &it) == OL_OK);
    ol_item *item = nullptr;
    REQUIRE(ol_iter_next(it, &item, 20000) == OL_OK);
    ol_item_free(item);
    usleep(50000);
    ol_iter_close(it);
    REQUIRE(L.settle_in_flight() == 0);
    check_plain_request(L.loop, fx);
}
