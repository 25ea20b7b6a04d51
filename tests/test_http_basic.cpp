// HTTP jobs: each option and each response field against the fixture server.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <strings.h>
#include <vector>

#include "test_http_helpers.hpp"

static std::string header_of(const ol_response *r, const char *name)
{
    const char *v = ol_response_header(r, name);
    return v ? v : "(absent)";
}

TEST_CASE("C01 HTTP GET: status, version, headers, body, effective URL, timing", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/json"));
    REQUIRE(f.status() == OL_OK);
    const ol_response *r = f.resp();
    REQUIRE(r != nullptr);
    CHECK(ol_response_status(r) == 200);
    CHECK(ol_response_http_version(r) == 11);
    CHECK(ol_response_body_size(r) == 300);
    CHECK(f.body().front() == '{');
    CHECK(header_of(r, "content-type") == "application/json"); // case-insensitive lookup
    CHECK(header_of(r, "CONTENT-LENGTH") == "300");
    CHECK(ol_response_header(r, "X-Not-There") == nullptr);
    CHECK(std::string(ol_response_effective_url(r)) == fx.url("/json"));

    // Headers in order, as name/value pairs.
    REQUIRE(ol_response_header_count(r) >= 2);
    bool saw_type = false;
    for (size_t i = 0; i < ol_response_header_count(r); i++) {
        const char *name = nullptr, *value = nullptr;
        REQUIRE(ol_response_header_at(r, i, &name, &value) == OL_OK);
        REQUIRE(name != nullptr);
        REQUIRE(value != nullptr);
        if (strcasecmp(name, "Content-Type") == 0) saw_type = true;
    }
    CHECK(saw_type);
    const char *n = nullptr, *v = nullptr;
    CHECK(ol_response_header_at(r, ol_response_header_count(r), &n, &v) == OL_EINVAL);

    ol_http_timing t;
    t.version = OL_HTTP_TIMING_VERSION;
    REQUIRE(ol_response_timing(r, &t) == OL_OK);
    CHECK(t.total_us > 0);
    CHECK(t.first_byte_us <= t.total_us);
    CHECK(t.connect_us <= t.first_byte_us);
    CHECK(t.dns_us <= t.connect_us);
    CHECK(t.tls_us == 0);
    CHECK(t.bytes_down == 300);
    CHECK(t.bytes_up == 0);
    CHECK(t.redirects == 0);
    t.version = 0;
    CHECK(ol_response_timing(r, &t) == OL_EINVAL);
}

TEST_CASE("C01 HTTP status codes are data, not errors", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    for (int code : {201, 204, 404, 500, 503}) {
        Fut f = http_run(L.loop, fx.url("/status/" + std::to_string(code)));
        REQUIRE(f.status() == OL_OK);
        CHECK(ol_response_status(f.resp()) == code);
    }
}

TEST_CASE("C01 HTTP repeated response headers are kept in order", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/headers/multi"));
    REQUIRE(f.status() == OL_OK);
    const ol_response *r = f.resp();
    std::vector<std::string> cookies;
    for (size_t i = 0; i < ol_response_header_count(r); i++) {
        const char *name, *value;
        ol_response_header_at(r, i, &name, &value);
        if (strcasecmp(name, "set-cookie") == 0) cookies.push_back(value);
    }
    REQUIRE(cookies.size() == 2);
    CHECK(cookies[0] == "a=1");
    CHECK(cookies[1] == "b=2");
    CHECK(header_of(r, "Set-Cookie") == "a=1");
    CHECK(header_of(r, "x-mixed-case") == "Yes");
}

TEST_CASE("C01 HTTP methods and request bodies", "[http]")
{
    FixtureServer fx;
    HttpLoop L;

    SECTION("POST with a copied body")
    {
        std::string payload(5000, 'p');
        Fut f = http_run(L.loop, fx.url("/echo"), "POST", [&](ol_job *j) {
            REQUIRE(ol_job_set_bytes(j, OL_HTTP_BODY, payload.data(), payload.size()) == OL_OK);
        });
        REQUIRE(f.status() == OL_OK);
        CHECK(header_of(f.resp(), "X-Echo-Method") == "POST");
        CHECK(f.body() == payload);
        ol_http_timing t;
        t.version = OL_HTTP_TIMING_VERSION;
        ol_response_timing(f.resp(), &t);
        CHECK(t.bytes_up == payload.size());
    }
    SECTION("PUT with a borrowed body, freed once")
    {
        static const char data[] = "borrowed body";
        static std::atomic<int> frees{0};
        frees = 0;
        {
            HttpLoop L2; // the job is freed when its loop is done with it
            Fut f = http_run(L2.loop, fx.url("/echo"), "PUT", [&](ol_job *j) {
                REQUIRE(ol_http_job_set_body_borrowed(
                            j, data, sizeof data - 1, [](void *) { ++frees; }, nullptr) == OL_OK);
            });
            REQUIRE(f.status() == OL_OK);
            CHECK(header_of(f.resp(), "X-Echo-Method") == "PUT");
            CHECK(f.body() == "borrowed body");
        }
        CHECK(frees == 1);
    }
    SECTION("a borrowed body of a job never submitted is freed by ol_job_free")
    {
        static std::atomic<int> frees{0};
        frees = 0;
        ol_job *j = nullptr;
        REQUIRE(ol_http_job_new(&j, "POST", fx.url("/echo").c_str()) == OL_OK);
        REQUIRE(ol_http_job_set_body_borrowed(
                    j, "x", 1, [](void *) { ++frees; }, nullptr) == OL_OK);
        ol_job_free(j);
        CHECK(frees == 1);
    }
    SECTION("method set by option, body by string")
    {
        Fut f = http_run(L.loop, fx.url("/echo"), nullptr, [&](ol_job *j) {
            REQUIRE(ol_job_set_str(j, OL_HTTP_METHOD, "PATCH") == OL_OK);
            REQUIRE(ol_job_set_str(j, OL_HTTP_BODY, "abc") == OL_OK);
        });
        REQUIRE(f.status() == OL_OK);
        CHECK(header_of(f.resp(), "X-Echo-Method") == "PATCH");
        CHECK(f.body() == "abc");
    }
    SECTION("DELETE without body, HEAD without body")
    {
        Fut d = http_run(L.loop, fx.url("/echo"), "DELETE");
        REQUIRE(d.status() == OL_OK);
        CHECK(header_of(d.resp(), "X-Echo-Method") == "DELETE");
        Fut h = http_run(L.loop, fx.url("/bytes/1000"), "HEAD");
        REQUIRE(h.status() == OL_OK);
        CHECK(ol_response_status(h.resp()) == 200);
        CHECK(ol_response_body_size(h.resp()) == 0);
        CHECK(header_of(h.resp(), "Content-Length") == "1000");
    }
}

TEST_CASE("C01 HTTP request headers, user agent, basic auth", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut def = http_run(L.loop, fx.url("/echo/headers"));
    REQUIRE(def.status() == OL_OK);
    CHECK(def.body().find("User-Agent: oneloop/") != std::string::npos);

    Fut f = http_run(L.loop, fx.url("/echo/headers"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_HEADER, "X-One: 1") == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_HEADER, "X-Two: two words") == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_USER_AGENT, "tester/9") == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_BASIC_AUTH, "user:pa:ss") == OL_OK);
    });
    REQUIRE(f.status() == OL_OK);
    std::string head = f.body();
    CHECK(head.find("X-One: 1\r\n") != std::string::npos);
    CHECK(head.find("X-Two: two words\r\n") != std::string::npos);
    CHECK(head.find("User-Agent: tester/9\r\n") != std::string::npos);
    CHECK(head.find("Authorization: Basic dXNlcjpwYTpzcw==\r\n") != std::string::npos);
}

TEST_CASE("C01 HTTP version preference", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f10 = http_run(L.loop, fx.url("/echo/headers"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_VERSION, OL_HTTP_VERSION_1_0) == OL_OK);
    });
    REQUIRE(f10.status() == OL_OK);
    CHECK(f10.body().find("GET /echo/headers HTTP/1.0\r\n") == 0);
    Fut f11 = http_run(L.loop, fx.url("/echo/headers"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_VERSION, OL_HTTP_VERSION_1_1) == OL_OK);
    });
    REQUIRE(f11.status() == OL_OK);
    CHECK(f11.body().find("GET /echo/headers HTTP/1.1\r\n") == 0);
    CHECK(ol_response_http_version(f11.resp()) == 11);
}

TEST_CASE("C01 HTTP automatic decompression", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut plain = http_run(L.loop, fx.url("/gzip"));
    REQUIRE(plain.status() == OL_OK);
    CHECK(ol_response_header(plain.resp(), "Content-Encoding") == nullptr);
    Fut gz = http_run(L.loop, fx.url("/gzip"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
    });
    REQUIRE(gz.status() == OL_OK);
    CHECK(header_of(gz.resp(), "Content-Encoding") == "gzip");
    CHECK(gz.body().size() == 10000);
    CHECK(gz.body() == plain.body());
}

TEST_CASE("C20 HTTP redirects: off by default, followed up to the limit", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut off = http_run(L.loop, fx.url("/redirect/2"));
    REQUIRE(off.status() == OL_OK);
    CHECK(ol_response_status(off.resp()) == 302);
    CHECK(header_of(off.resp(), "Location") == "/redirect/1");

    Fut on = http_run(L.loop, fx.url("/redirect/2"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, 5) == OL_OK);
    });
    REQUIRE(on.status() == OL_OK);
    CHECK(ol_response_status(on.resp()) == 200);
    CHECK(on.body() == "redirected");
    CHECK(std::string(ol_response_effective_url(on.resp())) == fx.url("/redirect/0"));
    CHECK(ol_response_header(on.resp(), "Location") == nullptr); // final response's headers only
    ol_http_timing t;
    t.version = OL_HTTP_TIMING_VERSION;
    ol_response_timing(on.resp(), &t);
    CHECK(t.redirects == 2);

    Fut too_many = http_run(L.loop, fx.url("/redirect/3"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, 2) == OL_OK);
    });
    CHECK(too_many.status() == OL_EREDIRECTS);
    CHECK(!too_many.message().empty());
}

TEST_CASE("C20 HTTP redirect to another host does not forward credentials", "[http]")
{
    FixtureServer fx;
    FixtureServer other;
    HttpLoop L;
    auto with_creds = [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, 3) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_HEADER, "Authorization: Bearer s3cret") == OL_OK);
    };
    auto with_basic = [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, 3) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_BASIC_AUTH, "user:secret") == OL_OK);
    };
    // Control: the same host keeps the header.
    Fut same = http_run(L.loop, fx.url("/redirect-to?url=/echo/headers"), nullptr, with_creds);
    REQUIRE(same.status() == OL_OK);
    CHECK(same.body().find("Authorization: Bearer s3cret") != std::string::npos);

    for (const std::string &target :
         {other.url("/echo/headers"), fx.url("/echo/headers", "localhost")}) {
        INFO("redirect to " << target);
        Fut custom = http_run(L.loop, fx.url("/redirect-to?url=" + target), nullptr, with_creds);
        REQUIRE(custom.status() == OL_OK);
        CHECK(std::string(ol_response_effective_url(custom.resp())) == target);
        CHECK(custom.body().find("GET /echo/headers") == 0);
        CHECK(custom.body().find("Authorization") == std::string::npos);
        Fut basic = http_run(L.loop, fx.url("/redirect-to?url=" + target), nullptr, with_basic);
        REQUIRE(basic.status() == OL_OK);
        CHECK(basic.body().find("GET /echo/headers") == 0);
        CHECK(basic.body().find("Authorization") == std::string::npos);
    }
}

TEST_CASE("C19 HTTP file:// and gopher:// refused by default", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    for (const char *url :
         {"file:///etc/hostname", "gopher://127.0.0.1/", "ftp://127.0.0.1/", "dict://127.0.0.1/"}) {
        INFO(url);
        Fut f = http_run(L.loop, url);
        CHECK(f.status() == OL_EPROTOCOL_DENIED);
        CHECK(!f.message().empty());
    }
    // Also when a redirect points there.
    Fut redir = http_run(L.loop, fx.url("/redirect-to?url=file:///etc/hostname"), nullptr,
                         [](ol_job *j) { ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, 3); });
    CHECK(redir.status() == OL_EPROTOCOL_DENIED);
    // Explicitly widened, file:// works.
    Fut file = http_run(L.loop, "file:///etc/hostname", nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_PROTOCOLS, "http,https,file") == OL_OK);
    });
    CHECK(file.status() == OL_OK);
    CHECK(!file.body().empty());
}

TEST_CASE("C15 header values with control characters are refused as invalid field values", "[http]")
{
    ol_job *j = nullptr;
    REQUIRE(ol_http_job_new(&j, nullptr, "http://127.0.0.1/") == OL_OK);
    for (const char *bad : {"X-A: a\x01"
                            "b",
                            "X-A: a\x7f", "X-A: \x1b[31m",
                            "X-A: a\x0b"
                            "b"}) {
        INFO(bad);
        CHECK(ol_job_set_str(j, OL_HTTP_HEADER, bad) == OL_EINVAL);
    }
    CHECK(ol_job_set_str(j, OL_HTTP_USER_AGENT, "agent\x01") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, "X-Tab: a\tb") == OL_OK);         // HTAB is allowed
    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, "X-Utf8: caf\xc3\xa9") == OL_OK); // obs-text too
    ol_job_free(j);
}

TEST_CASE("C15 HEAD with a body set is a real HEAD and does not wait for a body", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/echo"), "HEAD", [](ol_job *j) {
        REQUIRE(ol_job_set_bytes(j, OL_HTTP_BODY, "abc", 3) == OL_OK);
        REQUIRE(ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, 5000) == OL_OK);
    });
    REQUIRE(f.status() == OL_OK);
    CHECK(ol_response_status(f.resp()) == 200);
    CHECK(header_of(f.resp(), "X-Echo-Method") == "HEAD");
    CHECK(header_of(f.resp(), "X-Echo-Body-Length") == "0"); // no body went out
    CHECK(f.body().empty());
}

TEST_CASE("C15 HTTP invalid arguments are refused before submit", "[http]")
{
    ol_job *j = nullptr;
    CHECK(ol_http_job_new(nullptr, nullptr, "http://x/") == OL_EINVAL);
    CHECK(ol_http_job_new(&j, nullptr, nullptr) == OL_EINVAL);
    CHECK(j == nullptr);
    CHECK(ol_http_job_new(&j, "GE T", "http://x/") == OL_EINVAL);
    CHECK(ol_http_job_new(&j, "", "http://x/") == OL_EINVAL);
    CHECK(ol_http_job_new(&j, "GET", "") == OL_EINVAL);
    CHECK(ol_http_job_new(&j, "GET", "http://x/\r\nX: y") == OL_EINVAL);
    REQUIRE(ol_http_job_new(&j, "GET", "http://127.0.0.1/") == OL_OK);
    CHECK(ol_job_kind_get(j) == OL_JOB_HTTP);

    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, "no colon") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, ": empty name") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, "X-A: 1\r\nX-B: 2") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, "Bad Name: 1") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, nullptr) == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_METHOD, "G\nET") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_PROTOCOLS, "") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_PROTOCOLS, "http,,https") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_PROTOCOLS, "HTTP; rm") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_BASIC_AUTH, "nocolon") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_CA_FILE, "") == OL_EINVAL);
    CHECK(ol_job_set_str(j, 9999, "x") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_TIMEOUT_MS, "5") == OL_EINVAL); // int key via str

    CHECK(ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, -1) == OL_EINVAL);
    CHECK(ol_job_set_int(j, OL_HTTP_CONNECT_TIMEOUT_MS, -5) == OL_EINVAL);
    CHECK(ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, -1) == OL_EINVAL);
    CHECK(ol_job_set_int(j, OL_HTTP_VERIFY_PEER, 2) == OL_EINVAL);
    CHECK(ol_job_set_int(j, OL_HTTP_VERSION, 15) == OL_EINVAL);
    CHECK(ol_job_set_int(j, OL_HTTP_MAX_RESPONSE_BYTES, -100) == OL_EINVAL);
    CHECK(ol_job_set_int(j, OL_HTTP_URL, 1) == OL_EINVAL); // str key via int
    CHECK(ol_job_set_int(j, 12345, 1) == OL_EINVAL);
    CHECK(ol_job_set_bytes(j, OL_HTTP_HEADER, "X: 1", 4) == OL_EINVAL);
    CHECK(ol_job_set_bytes(j, OL_HTTP_BODY, nullptr, 3) == OL_EINVAL);
    CHECK(ol_http_job_set_body_borrowed(nullptr, "x", 1, nullptr, nullptr) == OL_EINVAL);

    // Valid ones still work after refusals.
    CHECK(ol_job_set_int(j, OL_HTTP_TIMEOUT_MS, 0) == OL_OK);
    CHECK(ol_job_set_str(j, OL_HTTP_HEADER, "X-Ok: fine") == OL_OK);
    ol_job_free(j);

    // A timer job is not an HTTP job.
    ol_job *t = nullptr;
    REQUIRE(ol_job_timer_new(&t, 1) == OL_OK);
    CHECK(ol_http_job_set_body_borrowed(t, "x", 1, nullptr, nullptr) == OL_EINVAL);
    CHECK(ol_job_set_str(t, OL_HTTP_URL, "http://x/") == OL_EINVAL);
    ol_job_free(t);
}

TEST_CASE("C15 HTTP malformed URLs fail the future with OL_EURL", "[http]")
{
    HttpLoop L;
    for (const char *url : {"http://exa mple.com/", "http://[::1/", "http://:99999/"}) {
        INFO(url);
        Fut f = http_run(L.loop, url);
        CHECK(f.status() == OL_EURL);
        CHECK(!f.message().empty());
    }
}

TEST_CASE("C02 HTTP connection refused and DNS failure", "[http]")
{
    HttpLoop L;
    int port;
    { // a port that was free a moment ago: nothing listens there
        FixtureServer fx;
        port = fx.port();
    }
    Fut refused = http_run(L.loop, "http://127.0.0.1:" + std::to_string(port) + "/");
    CHECK(refused.status() == OL_ECONNREFUSED);
    CHECK(!refused.message().empty());
    Fut dns = http_run(L.loop, "http://no-such-host.invalid/");
    CHECK(dns.status() == OL_EDNS);
    CHECK(!dns.message().empty());
}

TEST_CASE("C01 HTTP through a proxy", "[http]")
{
    FixtureServer proxy;
    HttpLoop L;
    // The fixture sees the absolute-form request: proof the proxy was used (the host is not
    // resolvable, so a direct request would fail OL_EDNS).
    Fut f = http_run(L.loop, "http://origin.invalid/echo/headers", nullptr, [&](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_PROXY, proxy.url("").c_str()) == OL_OK);
    });
    REQUIRE(f.status() == OL_OK);
    CHECK(ol_response_status(f.resp()) != 0);
    Fut direct = http_run(L.loop, "http://origin.invalid/", nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_PROXY, "") == OL_OK); // "" = no proxy
    });
    CHECK(direct.status() == OL_EDNS);
}

TEST_CASE("C21 HTTP response size limit", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    auto limit = [](int64_t n) {
        return
            [n](ol_job *j) { REQUIRE(ol_job_set_int(j, OL_HTTP_MAX_RESPONSE_BYTES, n) == OL_OK); };
    };
    Fut exact = http_run(L.loop, fx.url("/bytes/1000"), nullptr, limit(1000));
    CHECK(exact.status() == OL_OK);
    CHECK(exact.body().size() == 1000);
    Fut by_length = http_run(L.loop, fx.url("/bytes/100000"), nullptr, limit(1000));
    CHECK(by_length.status() == OL_ETOOLARGE);
    CHECK(by_length.message().find("1000") != std::string::npos);
    Fut by_count = http_run(L.loop, fx.url("/chunked/10/1000"), nullptr, limit(5000));
    CHECK(by_count.status() == OL_ETOOLARGE);
    Fut decoded = http_run(L.loop, fx.url("/gzip"), nullptr, [](ol_job *j) {
        ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1);
        ol_job_set_int(j, OL_HTTP_MAX_RESPONSE_BYTES, 5000); // counts decoded bytes
    });
    CHECK(decoded.status() == OL_ETOOLARGE);
    CHECK(L.settle_in_flight() == 0);
}

TEST_CASE("C17 HTTP sequential requests reuse one connection", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    for (int i = 0; i < 20; i++) REQUIRE(http_text(L.loop, fx.url("/json")).size() == 300);
    CHECK(L.connections() == 1);
    unsigned long long conns, reqs;
    fixture_stats(L.loop, fx, &conns, &reqs);
    CHECK(conns == 1);
    CHECK(reqs == 20);
}

TEST_CASE("C01 HTTP Expect: 100-continue keeps only the final response's head", "[http]")
{
    FixtureServer fx;
    HttpLoop L;
    std::string payload(3000, 'e');
    Fut f = http_run(L.loop, fx.url("/echo"), "POST", [&](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_HEADER, "Expect: 100-continue") == OL_OK);
        REQUIRE(ol_job_set_bytes(j, OL_HTTP_BODY, payload.data(), payload.size()) == OL_OK);
    });
    REQUIRE(f.status() == OL_OK);
    CHECK(ol_response_status(f.resp()) == 200);
    CHECK(f.body() == payload);
    CHECK(header_of(f.resp(), "X-Echo-Method") == "POST");
}

TEST_CASE("C01 HTTP on a loop without thread, driven by the host", "[http]")
{
    FixtureServer fx;
    ol_loop_options opts = OL_LOOP_OPTIONS_INIT;
    opts.flags = OL_LOOP_NO_THREAD;
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, &opts) == OL_OK);
    Fut f = http_submit(loop, fx.url("/json"));
    REQUIRE(f.f != nullptr);
    for (int i = 0; i < 100000 && ol_future_state_get(f.f) == OL_FUTURE_PENDING; i++)
        ol_loop_run(loop, OL_RUN_ONCE);
    REQUIRE(f.status() == OL_OK);
    CHECK(f.body().size() == 300);
    CHECK(ol_loop_shutdown(loop, 1000) == OL_OK);
    ol_loop_free(loop);
}
