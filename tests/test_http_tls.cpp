// C18: TLS verification and HTTP/2 against a real nginx on loopback (certificates made at test
// time). Without nginx these tests fail: NginxServer throws.
#include <catch2/catch.hpp>

#include <vector>

#include "nginx/nginx_server.hpp"
#include "test_http_helpers.hpp"

TEST_CASE("C18 HTTPS with the test CA passes and negotiates HTTP/2", "[http][tls]")
{
    NginxServer ngx;
    HttpLoop L;
    std::string ca = ngx.file("ca.crt");
    Fut f = http_run(L.loop, ngx.url("/hello.txt"), nullptr, [&](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str()) == OL_OK);
    });
    REQUIRE(f.status() == OL_OK);
    CHECK(ol_response_status(f.resp()) == 200);
    CHECK(ol_response_http_version(f.resp()) == 20);
    CHECK(f.body() == "hello over tls\n");
    ol_http_timing t;
    t.version = OL_HTTP_TIMING_VERSION;
    REQUIRE(ol_response_timing(f.resp(), &t) == OL_OK);
    CHECK(t.tls_us >= t.connect_us);
    CHECK(t.tls_us > 0);

    Fut h11 = http_run(L.loop, ngx.url("/hello.txt"), nullptr, [&](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str()) == OL_OK);
        REQUIRE(ol_job_set_int(j, OL_HTTP_VERSION, OL_HTTP_VERSION_1_1) == OL_OK);
    });
    REQUIRE(h11.status() == OL_OK);
    CHECK(ol_response_http_version(h11.resp()) == 11);
}

TEST_CASE("C18 HTTPS verification is on by default: the system CAs reject the test cert",
          "[http][tls]")
{
    NginxServer ngx;
    HttpLoop L;
    Fut f = http_run(L.loop, ngx.url("/hello.txt"));
    CHECK(f.status() == OL_ETLS);
    CHECK(!f.message().empty());
    CHECK(f.resp() == nullptr);
}

TEST_CASE("C18 HTTPS wrong host name fails", "[http][tls]")
{
    NginxServer ngx;
    HttpLoop L;
    std::string ca = ngx.file("ca.crt");
    // The certificate names only "localhost"; 127.0.0.1 is not in its subjectAltName.
    Fut f = http_run(L.loop, ngx.url("/hello.txt", "127.0.0.1"), nullptr, [&](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str()) == OL_OK);
    });
    CHECK(f.status() == OL_ETLS);
    CHECK(f.message().find("127.0.0.1") != std::string::npos);
    // Host check off (peer check still on): accepted.
    Fut nohost = http_run(L.loop, ngx.url("/hello.txt", "127.0.0.1"), nullptr, [&](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str()) == OL_OK);
        REQUIRE(ol_job_set_int(j, OL_HTTP_VERIFY_HOST, 0) == OL_OK);
    });
    CHECK(nohost.status() == OL_OK);
}

TEST_CASE("C18 HTTPS verification explicitly off passes", "[http][tls]")
{
    NginxServer ngx;
    HttpLoop L;
    Fut f = http_run(L.loop, ngx.url("/hello.txt", "127.0.0.1"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_VERIFY_PEER, 0) == OL_OK);
        REQUIRE(ol_job_set_int(j, OL_HTTP_VERIFY_HOST, 0) == OL_OK);
    });
    REQUIRE(f.status() == OL_OK);
    CHECK(f.body() == "hello over tls\n");
}

TEST_CASE("C18 HTTPS CA directory and a bad CA file", "[http][tls]")
{
    NginxServer ngx;
    HttpLoop L;
    Fut missing = http_run(L.loop, ngx.url("/hello.txt"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_FILE, "/nonexistent/ca.pem") == OL_OK);
    });
    CHECK(missing.status() == OL_ETLS);
    // An empty CA directory trusts nothing.
    Fut empty_dir = http_run(L.loop, ngx.url("/hello.txt"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_FILE, "/dev/null") == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_PATH, "/var/empty-ca-dir-for-oneloop") == OL_OK);
    });
    CHECK(empty_dir.status() == OL_ETLS);
}

TEST_CASE("C18 HTTPS client certificate with a protected key", "[http][tls]")
{
    NginxServer ngx;
    HttpLoop L;
    std::string ca = ngx.file("ca.crt"), cert = ngx.file("client.crt"),
                key = ngx.file("client-protected.key");
    Fut anon = http_run(L.loop, ngx.url("/whoami"), nullptr,
                        [&](ol_job *j) { ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str()); });
    REQUIRE(anon.status() == OL_OK);
    CHECK(anon.body().find("NONE") == 0);
    Fut client = http_run(L.loop, ngx.url("/whoami"), nullptr, [&](ol_job *j) {
        REQUIRE(ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str()) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_CLIENT_CERT, cert.c_str()) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_CLIENT_KEY, key.c_str()) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_CLIENT_KEY_PASSWORD, "oneloop") == OL_OK);
    });
    REQUIRE(client.status() == OL_OK);
    CHECK(client.body() == "SUCCESS CN=oneloop client\n");
    HttpLoop fresh; // curl would reuse the authenticated connection above
    Fut bad_pw = http_run(fresh.loop, ngx.url("/whoami"), nullptr, [&](ol_job *j) {
        ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str());
        ol_job_set_str(j, OL_HTTP_CLIENT_CERT, cert.c_str());
        ol_job_set_str(j, OL_HTTP_CLIENT_KEY, key.c_str());
        ol_job_set_str(j, OL_HTTP_CLIENT_KEY_PASSWORD, "wrong");
    });
    CHECK(bad_pw.status() == OL_ETLS);
}

TEST_CASE("C17 HTTP/2 multiplexes concurrent requests over one connection", "[http][tls]")
{
    NginxServer ngx;
    HttpLoop L;
    std::string ca = ngx.file("ca.crt");
    std::vector<Fut> futs;
    for (int i = 0; i < 50; i++)
        futs.push_back(http_submit(L.loop, ngx.url("/100k.bin"), nullptr, [&](ol_job *j) {
            ol_job_set_str(j, OL_HTTP_CA_FILE, ca.c_str());
        }));
    for (Fut &f : futs) {
        REQUIRE(f.wait() == OL_OK);
        CHECK(ol_response_http_version(f.resp()) == 20);
        CHECK(ol_response_body_size(f.resp()) == 102400);
    }
    CHECK(L.connections() == 1);
}
