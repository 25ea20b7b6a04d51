// Response bodies of every size, with and without Content-Length, and the recycling of their
// buffers (core/src/http/body_pool.c).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "test_http_helpers.hpp"

// The fixture's body bytes: 'a' + offset % 26, across chunks too. Returns the first bad
// offset, or -1.
static long first_wrong_byte(const std::string &body)
{
    for (size_t i = 0; i < body.size(); i++)
        if (body[i] != static_cast<char>('a' + i % 26)) return static_cast<long>(i);
    return -1;
}

TEST_CASE("bodies of every size arrive intact, with and without Content-Length", "[http][body]")
{
    FixtureServer fx;
    HttpLoop L;
    // Around the pool's smallest class (16 KB), across classes, and beyond its largest (16 MB).
    const size_t sizes[] = {1,      4095,   4097,   16383,   16384,   16385,
                            100000, 131072, 300000, 5000000, 17000000};
    for (size_t n : sizes) {
        INFO("Content-Length " << n);
        Fut f = http_run(L.loop, fx.url("/bytes/" + std::to_string(n)));
        REQUIRE(f.status() == OL_OK);
        std::string body = f.body();
        CHECK(body.size() == n);
        CHECK(first_wrong_byte(body) == -1);
    }
    // Chunked: the length is unknown, so the buffer grows (and moves) while data arrives.
    const char *chunked[] = {"/chunked/3/1000", "/chunked/40/1000", "/chunked/50/10000",
                             "/chunked/300/20000"};
    for (const char *path : chunked) {
        INFO(path);
        Fut f = http_run(L.loop, fx.url(path));
        REQUIRE(f.status() == OL_OK);
        std::string body = f.body();
        unsigned count = 0, size = 0;
        sscanf(path, "/chunked/%u/%u", &count, &size);
        CHECK(body.size() == static_cast<size_t>(count) * size);
        CHECK(first_wrong_byte(body) == -1);
    }
}

TEST_CASE("bodies held at once never share a recycled buffer", "[http][body]")
{
    // Every batch after the first is served from buffers the previous batch released.
    FixtureServer fx;
    HttpLoop L;
    for (int round = 0; round < 3; round++) {
        std::vector<Fut> held;
        for (int i = 0; i < 100; i++) held.push_back(http_submit(L.loop, fx.url("/bytes/102400")));
        std::set<const void *> seen;
        for (Fut &h : held) {
            REQUIRE(h.wait() == OL_OK);
            REQUIRE(h.status() == OL_OK);
            REQUIRE(ol_response_body_size(h.resp()) == 102400);
            CHECK(first_wrong_byte(h.body()) == -1);
            seen.insert(ol_response_body(h.resp()));
        }
        CHECK(seen.size() == held.size());
    }
}

TEST_CASE("a discarded body frees its buffer and leaves the rest of the response readable",
          "[http][body]")
{
    FixtureServer fx;
    HttpLoop L;
    CHECK(ol_response_discard_body(nullptr) == OL_EINVAL);
    for (int round = 0; round < 2; round++) { // the second round reuses the freed buffers
        Fut f = http_run(L.loop, fx.url("/bytes/102400"));
        REQUIRE(f.status() == OL_OK);
        ol_response *r = static_cast<ol_response *>(ol_future_value(f.f));
        REQUIRE(ol_response_body_size(r) == 102400);
        CHECK(first_wrong_byte(f.body()) == -1);
        REQUIRE(ol_response_discard_body(r) == OL_OK);
        CHECK(ol_response_body_size(r) == 0);
        CHECK(std::string(static_cast<const char *>(ol_response_body(r))).empty());
        CHECK(ol_response_status(r) == 200);
        CHECK(ol_response_header(r, "content-length") != nullptr);
        CHECK(ol_response_effective_url(r) != nullptr);
    }
}
