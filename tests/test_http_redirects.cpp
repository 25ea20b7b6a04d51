// Redirects followed by oneloop itself, one transfer per hop (core/src/http/redirect.c): the
// schemes a redirect may reach, the headers dropped on the way to another origin, method
// rewriting, the hop history, and URLs reported without their credentials.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "test_http_helpers.hpp"

static JobSetup follow(long max, const JobSetup &more = nullptr)
{
    return [max, more](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_FOLLOW_REDIRECTS, max) == OL_OK);
        if (more) more(j);
    };
}

static std::string header_of(const Fut &f, const char *name)
{
    const char *v = f.resp() ? ol_response_header(f.resp(), name) : nullptr;
    return v ? v : "";
}

static std::string file_text(const char *path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The fixture's redirect to an arbitrary URL (given in full, so no percent-encoding needed
// beyond what the fixture's query parser accepts for these URLs).
static std::string redirect_to(const FixtureServer &fx, const std::string &target, int status = 302)
{
    return fx.url("/redirect-to?status=" + std::to_string(status) + "&url=" + target);
}

TEST_CASE("C19 C20 a redirect to file:// is refused although the job allows file for its own URL",
          "[http][redirect]")
{
    FixtureServer fx;
    HttpLoop L;
    auto allow_file = [](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_PROTOCOLS, "http,https,file") == OL_OK);
    };
    Fut refused =
        http_run(L.loop, redirect_to(fx, "file:///etc/hostname"), nullptr, follow(3, allow_file));
    CHECK(refused.status() == OL_EPROTOCOL_DENIED);
    CHECK(refused.message().find("redirect") != std::string::npos);
    CHECK(refused.resp() == nullptr);

    // The separate option widens redirects explicitly; the status is the final hop's (a file
    // has none), not the 302's.
    Fut widened = http_run(
        L.loop, redirect_to(fx, "file:///etc/hostname"), nullptr, follow(3, [&](ol_job *j) {
            allow_file(j);
            REQUIRE(ol_job_set_str(j, OL_HTTP_REDIRECT_PROTOCOLS, "http,https,file") == OL_OK);
        }));
    REQUIRE(widened.status() == OL_OK);
    CHECK(ol_response_status(widened.resp()) != 302);
    CHECK(widened.body() == file_text("/etc/hostname"));
    CHECK(ol_response_redirect_count(widened.resp()) == 1);
    CHECK(ol_response_redirect_status(widened.resp(), 0) == 302);

    ol_job *j = nullptr;
    REQUIRE(ol_http_job_new(&j, nullptr, "http://127.0.0.1/") == OL_OK);
    CHECK(ol_job_set_str(j, OL_HTTP_REDIRECT_PROTOCOLS, "") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_REDIRECT_PROTOCOLS, "HTTP; rm") == OL_EINVAL);
    ol_job_free(j);
}

TEST_CASE("C20 a redirect to another origin drops credentials and the headers named sensitive",
          "[http][redirect]")
{
    FixtureServer fx;
    FixtureServer other;
    HttpLoop L;
    auto with_secrets = follow(3, [](ol_job *j) {
        for (const char *h : {"Host: 127.0.0.1:1", "Authorization: Bearer s3cret",
                              "Proxy-Authorization: Basic cHJveHk=", "Cookie: session=s3cret",
                              "X-Api-Key: s3cret", "X-Trace: keep-me"})
            REQUIRE(ol_job_set_str(j, OL_HTTP_HEADER, h) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_SENSITIVE_HEADER, "x-api-key") == OL_OK);
    });
    // The same origin keeps everything.
    Fut same = http_run(L.loop, redirect_to(fx, "/echo/headers"), nullptr, with_secrets);
    REQUIRE(same.status() == OL_OK);
    for (const char *kept : {"Authorization: Bearer", "Proxy-Authorization:", "Cookie: session",
                             "X-Api-Key: s3cret", "X-Trace: keep-me"})
        CHECK(same.body().find(kept) != std::string::npos);

    // Another port, another host name, another scheme's default port: another origin.
    for (const std::string &target :
         {other.url("/echo/headers"), fx.url("/echo/headers", "localhost")}) {
        INFO("redirect to " << target);
        Fut f = http_run(L.loop, redirect_to(fx, target), nullptr, with_secrets);
        REQUIRE(f.status() == OL_OK);
        std::string head = f.body();
        INFO(head);
        CHECK(head.find("Host: " + target.substr(7, target.find("/echo") - 7) + "\r\n") !=
              std::string::npos);
        CHECK(head.rfind("GET /echo/headers", 0) == 0);
        CHECK(head.find("s3cret") == std::string::npos);
        CHECK(head.find("Authorization") == std::string::npos);
        CHECK(head.find("Cookie") == std::string::npos);
        CHECK(head.find("X-Trace: keep-me") != std::string::npos); // not named sensitive
        // Dropped for good: a later hop back to the first origin does not get them back.
        std::string back =
            target.substr(0, target.find("/echo")) + "/redirect-to?url=" + fx.url("/echo/headers");
        Fut round = http_run(L.loop, redirect_to(fx, back), nullptr, with_secrets);
        REQUIRE(round.status() == OL_OK);
        CHECK(round.body().find("s3cret") == std::string::npos);
        CHECK(ol_response_redirect_count(round.resp()) == 2);
    }
    ol_job *j = nullptr;
    REQUIRE(ol_http_job_new(&j, nullptr, "http://127.0.0.1/") == OL_OK);
    CHECK(ol_job_set_str(j, OL_HTTP_SENSITIVE_HEADER, "") == OL_EINVAL);
    CHECK(ol_job_set_str(j, OL_HTTP_SENSITIVE_HEADER, "X-Key: v") == OL_EINVAL);
    ol_job_free(j);
}

TEST_CASE("C20 redirects rewrite POST to GET on 301/302/303 and keep method and body on 307/308",
          "[http][redirect]")
{
    FixtureServer fx;
    HttpLoop L;
    const std::string body = "payload";
    auto post = follow(3, [&](ol_job *j) {
        REQUIRE(ol_job_set_bytes(j, OL_HTTP_BODY, body.data(), body.size()) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_HEADER, "Content-Type: text/plain") == OL_OK);
    });
    for (int status : {301, 302, 303}) {
        INFO(status);
        Fut f = http_run(L.loop, redirect_to(fx, "/echo", status), "POST", post);
        REQUIRE(f.status() == OL_OK);
        CHECK(ol_response_status(f.resp()) == 200);
        CHECK(header_of(f, "x-echo-method") == "GET");
        CHECK(header_of(f, "x-echo-body-length") == "0");
        Fut head = http_run(L.loop, redirect_to(fx, "/echo/headers", status), "POST", post);
        CHECK(head.body().find("Content-Type") == std::string::npos);
    }
    for (int status : {307, 308}) {
        INFO(status);
        Fut f = http_run(L.loop, redirect_to(fx, "/echo", status), "POST", post);
        REQUIRE(f.status() == OL_OK);
        CHECK(header_of(f, "x-echo-method") == "POST");
        CHECK(f.body() == body);
    }
    Fut put = http_run(L.loop, redirect_to(fx, "/echo", 303), "PUT", post);
    CHECK(header_of(put, "x-echo-method") == "GET");
    Fut put307 = http_run(L.loop, redirect_to(fx, "/echo", 307), "PUT", post);
    CHECK(header_of(put307, "x-echo-method") == "PUT");
    CHECK(put307.body() == body);
}

TEST_CASE("C20 a followed response keeps its redirect history", "[http][redirect]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/redirect/3"), nullptr, follow(5));
    REQUIRE(f.status() == OL_OK);
    const ol_response *r = f.resp();
    CHECK(ol_response_status(r) == 200);
    CHECK(std::string(ol_response_effective_url(r)) == fx.url("/redirect/0"));
    REQUIRE(ol_response_redirect_count(r) == 3);
    for (size_t i = 0; i < 3; i++) {
        INFO(i);
        CHECK(std::string(ol_response_redirect_url(r, i)) ==
              fx.url("/redirect/" + std::to_string(3 - i)));
        CHECK(ol_response_redirect_status(r, i) == 302);
    }
    CHECK(ol_response_redirect_url(r, 3) == nullptr);
    CHECK(ol_response_redirect_status(r, 3) == OL_EINVAL);
    CHECK(ol_response_redirect_count(nullptr) == 0);
    ol_http_timing t;
    t.version = OL_HTTP_TIMING_VERSION;
    REQUIRE(ol_response_timing(r, &t) == OL_OK);
    CHECK(t.redirects == 3);
    CHECK(t.total_us >= t.redirect_us);

    // Not followed: no history, the 302 itself.
    Fut off = http_run(L.loop, fx.url("/redirect/1"));
    CHECK(ol_response_status(off.resp()) == 302);
    CHECK(ol_response_redirect_count(off.resp()) == 0);
    // The limit counts hops: exactly the limit is fine.
    Fut exact = http_run(L.loop, fx.url("/redirect/2"), nullptr, follow(2));
    CHECK(exact.status() == OL_OK);
    Fut over = http_run(L.loop, fx.url("/redirect/3"), nullptr, follow(2));
    CHECK(over.status() == OL_EREDIRECTS);
}

TEST_CASE("C20 reported URLs never carry the user name and password", "[http][redirect]")
{
    FixtureServer fx;
    HttpLoop L;
    std::string host = "127.0.0.1:" + std::to_string(fx.port());
    Fut plain = http_run(L.loop, "http://user:PASS@" + host + "/json");
    REQUIRE(plain.status() == OL_OK);
    CHECK(std::string(ol_response_effective_url(plain.resp())) == "http://" + host + "/json");

    Fut hops = http_run(L.loop, "http://user:PASS@" + host + "/redirect/2", nullptr, follow(5));
    REQUIRE(hops.status() == OL_OK);
    CHECK(std::string(ol_response_effective_url(hops.resp())).find("PASS") == std::string::npos);
    REQUIRE(ol_response_redirect_count(hops.resp()) == 2);
    CHECK(std::string(ol_response_redirect_url(hops.resp(), 0)) ==
          "http://" + host + "/redirect/2");
    CHECK(std::string(ol_response_redirect_url(hops.resp(), 1)).find("PASS") == std::string::npos);

    // Error messages that name a URL.
    Fut too_many = http_run(L.loop, "http://user:PASS@" + host + "/redirect/3", nullptr, follow(1));
    CHECK(too_many.status() == OL_EREDIRECTS);
    CHECK(too_many.message().find(host) != std::string::npos);
    CHECK(too_many.message().find("PASS") == std::string::npos);
    Fut denied =
        http_run(L.loop, redirect_to(fx, "ftp://user:PASS@127.0.0.1/x"), nullptr, follow(3));
    CHECK(denied.status() == OL_EPROTOCOL_DENIED);
    CHECK(denied.message().find("ftp://127.0.0.1/x") != std::string::npos);
    CHECK(denied.message().find("PASS") == std::string::npos);

    // A stream's head too.
    ol_job *job = nullptr;
    REQUIRE(ol_http_job_new(&job, nullptr, ("http://user:PASS@" + host + "/json").c_str()) ==
            OL_OK);
    ol_iter *it = nullptr;
    REQUIRE(ol_job_submit_iter(L.loop, job, 0, &it) == OL_OK);
    ol_item *item = nullptr;
    REQUIRE(ol_iter_next(it, &item, 20000) == OL_OK);
    const ol_response *head = static_cast<const ol_response *>(ol_item_object(item));
    CHECK(std::string(ol_response_effective_url(head)) == "http://" + host + "/json");
    ol_item_free(item);
    ol_iter_close(it);
}
