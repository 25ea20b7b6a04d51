// Iterator readiness (ol_iter_on_ready, ol_notifier_watch_iter): a consumer driven by its own
// event loop learns when ol_iter_next(.., 0) has something, without blocking in it.
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>

#include <poll.h>

#include <string>
#include <thread>

namespace {
// A stream job that does nothing by itself: the test pushes and finishes it on the loop thread.
struct ManualStream {
    std::atomic<ol_task *> task{nullptr};
    std::atomic<int> destroys{0};
};

int manual_start(ol_task *task, void *user)
{
    static_cast<ManualStream *>(user)->task = task;
    return OL_OK;
}
void manual_cancel(ol_task *task, void *)
{
    ol_task_finish(task, OL_ECANCELED, nullptr, nullptr, 0, nullptr);
}
void manual_resume(ol_task *, void *) {}
void manual_destroy(void *user) { ++static_cast<ManualStream *>(user)->destroys; }
const ol_custom_ops manual_ops = {OL_CUSTOM_OPS_VERSION, manual_start, manual_cancel, manual_resume,
                                  manual_destroy};

ol_iter *start_manual(ol_loop *loop, ManualStream *s, size_t capacity = 1 << 20)
{
    ol_job *job = nullptr;
    ol_iter *it = nullptr;
    if (ol_job_custom_new(&job, &manual_ops, s) != OL_OK) return nullptr;
    if (ol_job_submit_iter(loop, job, capacity, &it) != OL_OK) return nullptr;
    for (int i = 0; i < 500 && !s->task; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return s->task ? it : nullptr;
}

// Run fn on the loop thread and wait for it.
void on_loop(ol_loop *loop, std::function<void()> fn)
{
    ol_future *f = submit_lambda(loop, [fn](ol_task *) {
        fn();
        return OL_OK;
    });
    if (f) ol_future_wait(f, 5000);
    ol_future_release(f);
}

void push_text(ol_loop *loop, ManualStream *s, const std::string &text)
{
    on_loop(loop, [s, text] {
        ol_task_push(s->task, OL_ITEM_DATA, text.data(), text.size(), nullptr, nullptr);
    });
}

struct ReadyLog {
    std::atomic<int> calls{0}, last_status{1};
    std::atomic<bool> on_caller_thread{false};
    std::thread::id caller = std::this_thread::get_id();
};

void record_ready(ol_iter *, int status, void *user)
{
    auto *log = static_cast<ReadyLog *>(user);
    log->last_status = status;
    log->on_caller_thread = std::this_thread::get_id() == log->caller;
    ++log->calls;
}

bool wait_for(const std::atomic<int> &n, int at_least)
{
    for (int i = 0; i < 5000 && n < at_least; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return n >= at_least;
}

bool fd_readable(int fd)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    return poll(&pfd, 1, 0) == 1;
}
} // namespace

TEST_CASE("on_ready fires once, on the loop thread, when the first item arrives", "[iter][ready]")
{
    ManualStream s; // outlives the loop: its destroy runs at the latest at shutdown
    TestLoop t;
    ol_iter *it = start_manual(t.loop, &s);
    REQUIRE(it);
    ReadyLog log;
    REQUIRE(ol_iter_on_ready(it, record_ready, &log) == OL_OK);
    CHECK(log.calls == 0); // nothing queued yet: armed, not called
    CHECK(ol_iter_on_ready(it, record_ready, &log) == OL_EALREADY);
    push_text(t.loop, &s, "one");
    REQUIRE(wait_for(log.calls, 1));
    CHECK(log.last_status == OL_OK);
    CHECK_FALSE(log.on_caller_thread);
    push_text(t.loop, &s, "two"); // disarmed: no second call
    ol_item *item = nullptr;
    REQUIRE(ol_iter_next(it, &item, 0) == OL_OK);
    CHECK(std::string(static_cast<const char *>(ol_item_data(item)), ol_item_size(item)) == "one");
    ol_item_free(item);
    CHECK(log.calls == 1);

    // Armed again with an item already queued: called at once, on this thread.
    REQUIRE(ol_iter_on_ready(it, record_ready, &log) == OL_OK);
    CHECK(log.calls == 2);
    CHECK(log.on_caller_thread);
    ol_iter_close(it);
    CHECK(log.calls == 2); // close does not call a disarmed registration
}

TEST_CASE("on_ready reports the end of a stream that had no items", "[iter][ready]")
{
    ManualStream s; // outlives the loop: its destroy runs at the latest at shutdown
    TestLoop t;
    ol_iter *it = start_manual(t.loop, &s);
    REQUIRE(it);
    ReadyLog log;
    REQUIRE(ol_iter_on_ready(it, record_ready, &log) == OL_OK);
    on_loop(t.loop, [&] { ol_task_finish(s.task, OL_EPARTIAL, nullptr, nullptr, 0, "cut short"); });
    REQUIRE(wait_for(log.calls, 1));
    CHECK(log.last_status == OL_OK);
    ol_item *item = nullptr;
    CHECK(ol_iter_next(it, &item, 0) == OL_EPARTIAL);
    CHECK(std::string(ol_iter_error_message(it)) == "cut short");
    ol_iter_close(it);
}

TEST_CASE("closing an armed iterator calls on_ready with OL_ECANCELED exactly once",
          "[iter][ready]")
{
    ManualStream s; // outlives the loop: its destroy runs at the latest at shutdown
    TestLoop t;
    ol_iter *it = start_manual(t.loop, &s);
    REQUIRE(it);
    ReadyLog log;
    REQUIRE(ol_iter_on_ready(it, record_ready, &log) == OL_OK);
    ol_iter_close(it);
    CHECK(log.calls == 1);
    CHECK(log.last_status == OL_ECANCELED);
    CHECK(log.on_caller_thread);
    CHECK(ol_iter_on_ready(nullptr, record_ready, &log) == OL_EINVAL);
}

TEST_CASE("a notifier drives a whole stream with non-blocking pulls and back-pressure",
          "[iter][ready]")
{
    ManualStream s; // outlives the loop: its destroy runs at the latest at shutdown
    TestLoop t;
    const size_t capacity = 8 * 1024, chunk = 1024, total = 200;
    ol_iter *it = start_manual(t.loop, &s, capacity);
    REQUIRE(it);
    ol_notifier *n = nullptr;
    REQUIRE(ol_notifier_new(&n) == OL_OK);

    // The producer pushes until the channel is full, then waits for resume (via ol_iter_next).
    std::atomic<size_t> sent{0};
    std::atomic<bool> stop{false};
    std::thread producer([&] {
        while (!stop && sent < total) {
            std::atomic<int> rc{0};
            on_loop(t.loop, [&] {
                std::string data(chunk, char('a' + sent % 26));
                rc = ol_task_push(s.task, OL_ITEM_DATA, data.data(), data.size(), nullptr, nullptr);
            });
            if (rc == OL_OK || rc == OL_EAGAIN) sent++;
            while (!stop && ol_iter_buffered(it) >= capacity)
                std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        on_loop(t.loop, [&] { ol_task_finish(s.task, OL_OK, nullptr, nullptr, 0, nullptr); });
    });

    size_t got = 0, wakeups = 0, max_buffered = 0;
    int rc = OL_OK;
    REQUIRE(ol_notifier_watch_iter(n, it, 42) == OL_OK);
    while (rc != OL_ITEROVER && got <= total) {
        REQUIRE(ol_notifier_wait(n, 5000) == OL_OK);
        uint64_t tag = 0;
        REQUIRE(ol_notifier_drain(n, &tag, 1) == 1);
        CHECK(tag == 42);
        CHECK_FALSE(fd_readable(ol_notifier_fd(n)));
        wakeups++;
        max_buffered = std::max(max_buffered, ol_iter_buffered(it));
        ol_item *item = nullptr;
        while ((rc = ol_iter_next(it, &item, 0)) == OL_OK) {
            CHECK(static_cast<const char *>(ol_item_data(item))[0] == char('a' + got % 26));
            got++;
            ol_item_free(item);
        }
        REQUIRE((rc == OL_ETIMEDOUT || rc == OL_ITEROVER));
        if (rc == OL_ETIMEDOUT) REQUIRE(ol_notifier_watch_iter(n, it, 42) == OL_OK);
    }
    stop = true;
    producer.join();
    CHECK(rc == OL_ITEROVER);
    CHECK(got == total);
    CHECK(wakeups >= 2);
    CHECK(max_buffered <= capacity + chunk);
    ol_iter_close(it);
    ol_notifier_free(n);
}

TEST_CASE("a notifier reports nothing for an iterator closed while watched", "[iter][ready]")
{
    ManualStream s; // outlives the loop: its destroy runs at the latest at shutdown
    TestLoop t;
    ol_iter *it = start_manual(t.loop, &s);
    REQUIRE(it);
    ol_notifier *n = nullptr;
    REQUIRE(ol_notifier_new(&n) == OL_OK);
    REQUIRE(ol_notifier_watch_iter(n, it, 7) == OL_OK);
    CHECK(ol_notifier_watch_iter(n, it, 8) == OL_EALREADY);
    ol_iter_close(it);
    uint64_t tag = 0;
    CHECK(ol_notifier_drain(n, &tag, 1) == 0);
    CHECK_FALSE(fd_readable(ol_notifier_fd(n)));
    CHECK(ol_notifier_watch_iter(n, nullptr, 1) == OL_EINVAL);
    ol_notifier_free(n);
    REQUIRE(wait_for(s.destroys, 1));
}

TEST_CASE("ol_notifier_post wakes a notifier's waiter with the host's own tag", "[iter][ready]")
{
    ol_notifier *n = nullptr;
    REQUIRE(ol_notifier_new(&n) == OL_OK);
    CHECK(ol_notifier_wait(n, 0) == OL_ETIMEDOUT);
    std::thread poster([n] { ol_notifier_post(n, 99); });
    REQUIRE(ol_notifier_wait(n, 5000) == OL_OK);
    poster.join();
    uint64_t tag = 0;
    REQUIRE(ol_notifier_drain(n, &tag, 1) == 1);
    CHECK(tag == 99);
    CHECK_FALSE(fd_readable(ol_notifier_fd(n)));
    CHECK(ol_notifier_post(nullptr, 1) == OL_EINVAL);
    ol_notifier_free(n);
}
