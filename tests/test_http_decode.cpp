// Issue 13 point 20: response decoding (OL_HTTP_DECOMPRESS) is done by oneloop at the
// consumer's pace: decoded bytes count against the size limit, and a streamed compression
// bomb holds no more than its channel plus a bounded amount.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test_http_helpers.hpp"

static std::string pattern(size_t n)
{
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i++) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

static bool is_pattern_at(const char *data, size_t n, size_t offset)
{
    for (size_t i = 0; i < n; i++)
        if (data[i] != static_cast<char>('a' + (offset + i) % 26)) return false;
    return true;
}

static bool fixture_has_br(ol_loop *loop, const FixtureServer &fx)
{
    Fut f = http_run(loop, fx.url("/encoded/br/1"));
    return f.status() == OL_OK && ol_response_status(f.resp()) == 200;
}

static ol_iter *decoded_iter(ol_loop *loop, const std::string &url, size_t capacity,
                             int64_t max_bytes = 0)
{
    ol_job *job = nullptr;
    if (ol_http_job_new(&job, nullptr, url.c_str()) != OL_OK) return nullptr;
    if (ol_job_set_int(job, OL_HTTP_DECOMPRESS, 1) != OL_OK) return nullptr;
    if (max_bytes && ol_job_set_int(job, OL_HTTP_MAX_RESPONSE_BYTES, max_bytes) != OL_OK)
        return nullptr;
    ol_iter *it = nullptr;
    if (ol_job_submit_iter(loop, job, capacity, &it) != OL_OK) return nullptr;
    return it;
}

// Reads the rest of a stream: bytes received, whether they followed the pattern, last status.
struct Drained {
    size_t bytes = 0;
    bool pattern_ok = true;
    int status = OL_OK;
};
static Drained drain(ol_iter *it, size_t offset = 0)
{
    Drained d;
    d.bytes = offset;
    ol_item *item = nullptr;
    while ((d.status = ol_iter_next(it, &item, 20000)) == OL_OK) {
        if (ol_item_kind_get(item) == OL_ITEM_DATA) {
            const char *p = static_cast<const char *>(ol_item_data(item));
            d.pattern_ok = d.pattern_ok && is_pattern_at(p, ol_item_size(item), d.bytes);
            d.bytes += ol_item_size(item);
        }
        ol_item_free(item);
    }
    return d;
}

static std::vector<std::string> codings(ol_loop *loop, const FixtureServer &fx)
{
    std::vector<std::string> c = {"gzip", "deflate", "deflate-raw"};
    if (fixture_has_br(loop, fx)) c.push_back("br");
    return c;
}

TEST_CASE("HTTP decode: gzip, deflate and br bodies decode byte for byte, buffered and streamed",
          "[http][decode]")
{
    FixtureServer fx;
    HttpLoop L;
    for (const std::string &coding : codings(L.loop, fx)) {
        for (size_t n : {size_t(0), size_t(1), size_t(100000), size_t(3) << 20}) {
            INFO(coding << " " << n << " bytes");
            std::string url = fx.url("/encoded/" + coding + "/" + std::to_string(n));
            Fut f = http_run(L.loop, url, nullptr, [](ol_job *j) {
                REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
            });
            REQUIRE(f.status() == OL_OK);
            CHECK(f.body() == pattern(n));
            ol_iter *it = decoded_iter(L.loop, url, 16 * 1024);
            REQUIRE(it != nullptr);
            Drained d = drain(it);
            CHECK(d.status == OL_ITEROVER);
            CHECK(d.bytes == n);
            CHECK(d.pattern_ok);
            ol_iter_close(it);
        }
    }
}

TEST_CASE("HTTP decode: Accept-Encoding is sent only when decoding is asked, and the caller's wins",
          "[http][decode]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut plain = http_run(L.loop, fx.url("/echo/headers"));
    REQUIRE(plain.status() == OL_OK);
    CHECK(plain.body().find("ccept-Encoding") == std::string::npos);
    Fut asked = http_run(L.loop, fx.url("/echo/headers"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
    });
    REQUIRE(asked.status() == OL_OK);
    CHECK(asked.body().find("Accept-Encoding: gzip, deflate") != std::string::npos);
    Fut own = http_run(L.loop, fx.url("/echo/headers"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
        REQUIRE(ol_job_set_str(j, OL_HTTP_HEADER, "Accept-Encoding: gzip") == OL_OK);
    });
    REQUIRE(own.status() == OL_OK);
    CHECK(own.body().find("Accept-Encoding: gzip\r\n") != std::string::npos);
    CHECK(own.body().find("deflate") == std::string::npos);
}

TEST_CASE("HTTP decode: without decompress the body is delivered as received", "[http][decode]")
{
    FixtureServer fx;
    HttpLoop L;
    Fut f = http_run(L.loop, fx.url("/encoded/gzip/100000"));
    REQUIRE(f.status() == OL_OK);
    std::string body = f.body();
    REQUIRE(body.size() > 2);
    CHECK(body.size() < 100000);
    CHECK(static_cast<unsigned char>(body[0]) == 0x1f); // the gzip magic
    CHECK(static_cast<unsigned char>(body[1]) == 0x8b);
}

// br adds its window (the fixture's: 4 MiB, the largest oneloop accepts) to the bound.
TEST_CASE(
    "HTTP decode: a streamed compression bomb holds at most the channel plus 256 KiB per stream",
    "[http][decode]")
{
    FixtureServer fx;
    HttpLoop L;
    const size_t capacity = 64 * 1024, streams = 6, plain = size_t(32) << 20;
    std::vector<std::string> bombs = {"gzip", "deflate"};
    if (fixture_has_br(L.loop, fx)) bombs.push_back("br");
    for (const std::string &coding : bombs) {
        INFO(coding);
        std::string url = fx.url("/encoded/" + coding + "/" + std::to_string(plain));
        // Warm up: the loop's HTTP context, the fixture's cached body, this thread's heap.
        {
            ol_iter *it = decoded_iter(L.loop, url, capacity);
            REQUIRE(it != nullptr);
            CHECK(drain(it).bytes == plain);
            ol_iter_close(it);
        }
        size_t before = resident_bytes();
        std::vector<ol_iter *> its;
        for (size_t i = 0; i < streams; i++) {
            its.push_back(decoded_iter(L.loop, url, capacity));
            REQUIRE(its.back() != nullptr);
        }
        // Each stream's head and first chunk; then the loop fills every channel and pauses.
        std::vector<size_t> got(streams, 0);
        for (size_t i = 0; i < streams; i++) {
            ol_item *item = nullptr;
            for (int k = 0; k < 2; k++) {
                REQUIRE(ol_iter_next(its[i], &item, 20000) == OL_OK);
                got[i] += ol_item_kind_get(item) == OL_ITEM_DATA ? ol_item_size(item) : 0;
                ol_item_free(item);
            }
        }
        usleep(500 * 1000);
        size_t grown = resident_bytes() > before ? resident_bytes() - before : 0;
        INFO("RSS grew by " << grown / 1024 << " KiB for " << streams << " paused streams");
        size_t window = coding == "br" ? size_t(4) << 20 : 0;
        if (OL_TEST_RSS_BOUNDS) CHECK(grown <= streams * (capacity + 256 * 1024 + window));
        for (size_t i = 0; i < streams; i++)
            CHECK(ol_iter_buffered(its[i]) <= capacity + 16 * 1024);
        // Every stream still delivers all of its body, in order.
        for (size_t i = 0; i < streams; i++) {
            Drained d = drain(its[i], got[i]);
            CHECK(d.status == OL_ITEROVER);
            CHECK(d.bytes == plain);
            CHECK(d.pattern_ok);
            ol_iter_close(its[i]);
        }
    }
}

TEST_CASE("HTTP decode: the size limit counts decoded bytes (OL_ETOOLARGE), streamed and buffered",
          "[http][decode]")
{
    FixtureServer fx;
    HttpLoop L;
    const int64_t limit = 1 << 20;
    for (const std::string &coding : codings(L.loop, fx)) {
        INFO(coding);
        std::string url = fx.url("/encoded/" + coding + "/" + std::to_string(64 << 20));
        ol_iter *it = decoded_iter(L.loop, url, 64 * 1024, limit);
        REQUIRE(it != nullptr);
        Drained d = drain(it);
        CHECK(d.status == OL_ETOOLARGE);
        CHECK(d.bytes <= static_cast<size_t>(limit));
        CHECK(d.bytes > static_cast<size_t>(limit) / 2);
        ol_iter_close(it);

        Fut f = http_run(L.loop, url, nullptr, [&](ol_job *j) {
            REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
            REQUIRE(ol_job_set_int(j, OL_HTTP_MAX_RESPONSE_BYTES, limit) == OL_OK);
        });
        CHECK(f.status() == OL_ETOOLARGE);
        // Exactly at the limit is fine.
        std::string exact = fx.url("/encoded/" + coding + "/" + std::to_string(limit));
        Fut ok = http_run(L.loop, exact, nullptr, [&](ol_job *j) {
            REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
            REQUIRE(ol_job_set_int(j, OL_HTTP_MAX_RESPONSE_BYTES, limit) == OL_OK);
        });
        CHECK(ok.status() == OL_OK);
        CHECK(ok.body().size() == static_cast<size_t>(limit));
    }
}

TEST_CASE("HTTP decode: a brotli window over 4 MiB fails with OL_EPROTO", "[http][decode]")
{
    FixtureServer fx;
    HttpLoop L;
    if (!fixture_has_br(L.loop, fx)) {
        WARN("fixture built without libbrotlienc: skipped");
        return;
    }
    Fut big = http_run(L.loop, fx.url("/encoded/br/8388608?lgwin=24"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
    });
    CHECK(big.status() == OL_EPROTO);
    CHECK(big.message().find("brotli window") != std::string::npos);
    Fut fits = http_run(L.loop, fx.url("/encoded/br/8388608?lgwin=22"), nullptr, [](ol_job *j) {
        REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
    });
    CHECK(fits.status() == OL_OK);
    CHECK(fits.body().size() == 8388608);
}

TEST_CASE(
    "HTTP decode: a corrupt body or an unknown coding fails with OL_EPROTO, buffered and streamed",
    "[http][decode]")
{
    FixtureServer fx;
    HttpLoop L;
    for (const char *path : {"/encoded/gzip-corrupt/1000000", "/encoded/x-unknown/1000"}) {
        INFO(path);
        Fut f = http_run(L.loop, fx.url(path), nullptr, [](ol_job *j) {
            REQUIRE(ol_job_set_int(j, OL_HTTP_DECOMPRESS, 1) == OL_OK);
        });
        CHECK(f.status() == OL_EPROTO);
        CHECK(!f.message().empty());
        ol_iter *it = decoded_iter(L.loop, fx.url(path), 16 * 1024);
        REQUIRE(it != nullptr);
        CHECK(drain(it).status == OL_EPROTO);
        ol_iter_close(it);
        // Raw mode takes the same bodies as they are.
        Fut raw = http_run(L.loop, fx.url(path));
        CHECK(raw.status() == OL_OK);
    }
}
