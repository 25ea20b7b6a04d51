// Notifier posts made on a loop thread make the fd readable at the end of the loop iteration
// (core/src/runtime/defer.c), so completions that arrive together cost a host loop one wake-up.
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <unistd.h>

#include <cstdint>

static bool readable_now(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

// The eventfd's counter: how many writes made it readable since the last read.
static uint64_t writes_since_last_read(int fd)
{
    uint64_t value = 0;
    return read(fd, &value, sizeof value) == (ssize_t)sizeof value ? value : 0;
}

TEST_CASE("a post on the loop thread makes the fd readable once the callback is done",
          "[notifier][defer]")
{
    TestLoop t;
    TestNotifier tn;
    REQUIRE((t.loop && tn.n));
    ol_notifier *n = tn.n;
    int fd = tn.fd();
    bool readable_inside = true;
    ol_future *f = submit_lambda(t.loop, [&](ol_task *) {
        for (uint64_t tag = 1; tag <= 3; tag++) ol_notifier_post(n, tag);
        readable_inside = readable_now(fd);
        return OL_OK;
    });
    REQUIRE(f);
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK_FALSE(readable_inside); // deferred while the loop thread was still busy
    REQUIRE(ol_notifier_wait(n, 5000) == OL_OK);
    uint64_t tags[8];
    REQUIRE(ol_notifier_drain(n, tags, 8) == 3);
    CHECK((tags[0] == 1 && tags[1] == 2 && tags[2] == 3));
    ol_future_release(f);
}

TEST_CASE("a host loop that drains between two posts is woken once, after the iteration",
          "[notifier][defer]")
{
    TestLoop t;
    TestNotifier tn;
    REQUIRE((t.loop && tn.n));
    ol_notifier *n = tn.n;
    int fd = tn.fd();
    size_t drained_inside = 0;
    bool readable_after_drain = true;
    ol_future *f = submit_lambda(t.loop, [&](ol_task *) {
        uint64_t tag;
        ol_notifier_post(n, 1);
        drained_inside = ol_notifier_drain(n, &tag, 1); // a host loop that drains at once
        ol_notifier_post(n, 2); // used to write (and wake the host loop) again here
        ol_notifier_post(n, 3);
        readable_after_drain = readable_now(fd);
        return OL_OK;
    });
    REQUIRE(f);
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    REQUIRE(ol_notifier_wait(n, 5000) == OL_OK);
    CHECK(drained_inside == 1);
    CHECK_FALSE(readable_after_drain);
    CHECK(writes_since_last_read(fd) == 1); // one write for the iteration
    uint64_t tags[8];
    CHECK(ol_notifier_drain(n, tags, 8) == 2);
    ol_future_release(f);
}

TEST_CASE("posts from other threads make the fd readable at once", "[notifier][defer]")
{
    TestNotifier tn;
    REQUIRE(tn.n);
    REQUIRE(ol_notifier_post(tn.n, 9) == OL_OK);
    CHECK(readable_now(tn.fd()));
}

TEST_CASE("a loop run by the host flushes deferred posts before ol_loop_run returns",
          "[notifier][defer]")
{
    TestLoop t(OL_LOOP_NO_THREAD);
    TestNotifier tn;
    REQUIRE((t.loop && tn.n));
    ol_future *f = submit_lambda(t.loop, [&](ol_task *) {
        ol_notifier_post(tn.n, 5);
        return OL_OK;
    });
    REQUIRE(f);
    for (int i = 0; i < 100 && ol_future_state_get(f) == OL_FUTURE_PENDING; i++)
        ol_loop_run(t.loop, OL_RUN_NOWAIT);
    REQUIRE(ol_future_state_get(f) == OL_FUTURE_DONE);
    CHECK(readable_now(tn.fd()));
    ol_future_release(f);
}

TEST_CASE("a notifier freed with a write still queued is released by the loop", "[notifier][defer]")
{
    TestLoop t;
    REQUIRE(t.loop);
    ol_notifier *n = nullptr;
    REQUIRE(ol_notifier_new(&n) == OL_OK);
    ol_future *f = submit_lambda(t.loop, [&](ol_task *) {
        ol_notifier_post(n, 1);
        ol_notifier_free(n); // the queued write holds its own reference (ASan checks the rest)
        return OL_OK;
    });
    REQUIRE(f);
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    ol_future_release(f);
}

TEST_CASE("futures cancelled by shutdown still reach the notifier", "[notifier][defer]")
{
    ol_loop *loop = nullptr;
    REQUIRE(ol_loop_new(&loop, nullptr) == OL_OK);
    TestNotifier tn;
    REQUIRE(tn.n);
    ol_future *f = submit_timer(loop, 60000);
    REQUIRE(f);
    REQUIRE(ol_notifier_watch(tn.n, f, 77) == OL_OK);
    REQUIRE(ol_loop_shutdown(loop, 0) == OL_ETIMEDOUT); // cancels the timer while closing
    REQUIRE(ol_notifier_wait(tn.n, 5000) == OL_OK);
    uint64_t tag = 0;
    CHECK(ol_notifier_drain(tn.n, &tag, 1) == 1);
    CHECK(tag == 77);
    CHECK(ol_future_state_get(f) == OL_FUTURE_CANCELLED);
    ol_future_release(f);
    ol_loop_free(loop);
}
