// Iterators: a bounded channel with back-pressure, early close, errors (C12-C14 on the core).
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace {
// A producer of `total` chunks of `chunk` bytes; it stops on OL_EAGAIN until resumed.
struct Producer {
    size_t total, chunk, sent = 0;
    std::atomic<int> pauses{0}, resumes{0}, cancels{0}, destroys{0};
    std::atomic<size_t> max_buffered{0};
    int final_status = OL_OK;
    ol_iter *observed = nullptr; // for max_buffered; set by the consumer before pulling
};

void produce(ol_task *task, Producer *p)
{
    while (p->sent < p->total) {
        std::string data(p->chunk, static_cast<char>('a' + p->sent % 26));
        int rc = ol_task_push(task, OL_ITEM_DATA, data.data(), data.size(), nullptr, nullptr);
        if (rc == OL_ECANCELED) return; // consumer closed; cancel() will finish
        THREAD_CHECK(rc == OL_OK || rc == OL_EAGAIN);
        p->sent++;
        if (rc == OL_EAGAIN) {
            ++p->pauses;
            return;
        }
    }
    ol_task_finish(task, p->final_status, nullptr, nullptr, 0,
                   p->final_status ? "stream broke" : nullptr);
}

int producer_start(ol_task *task, void *user)
{
    produce(task, static_cast<Producer *>(user));
    return OL_OK;
}
void producer_resume(ol_task *task, void *user)
{
    auto *p = static_cast<Producer *>(user);
    ++p->resumes;
    produce(task, p);
}
void producer_cancel(ol_task *task, void *user)
{
    ++static_cast<Producer *>(user)->cancels;
    ol_task_finish(task, OL_ECANCELED, nullptr, nullptr, 0, nullptr);
}
void producer_destroy(void *user) { ++static_cast<Producer *>(user)->destroys; }
int idle_start(ol_task *, void *) { return OL_OK; }

const ol_custom_ops producer_ops = {OL_CUSTOM_OPS_VERSION, producer_start, producer_cancel,
                                    producer_resume, producer_destroy};

ol_iter *start_stream(ol_loop *loop, Producer *p, size_t capacity)
{
    ol_job *job = nullptr;
    ol_iter *it = nullptr;
    if (ol_job_custom_new(&job, &producer_ops, p) != OL_OK) return nullptr;
    if (ol_job_submit_iter(loop, job, capacity, &it) != OL_OK) return nullptr;
    return it;
}
} // namespace

TEST_CASE("C12 iterate all chunks: bytes in order, end of stream once", "[iter]")
{
    TestLoop t;
    Producer p{100, 1000};
    ol_iter *it = start_stream(t.loop, &p, 1 << 20);
    REQUIRE(it);
    size_t chunks = 0, bytes = 0;
    ol_item *item = nullptr;
    int rc;
    while ((rc = ol_iter_next(it, &item, 5000)) == OL_OK) {
        CHECK(ol_item_kind_get(item) == OL_ITEM_DATA);
        CHECK(ol_item_size(item) == 1000);
        CHECK(static_cast<const char *>(ol_item_data(item))[0] == char('a' + chunks % 26));
        bytes += ol_item_size(item);
        chunks++;
        ol_item_free(item);
    }
    CHECK(rc == OL_ITEROVER);
    CHECK(ol_iter_next(it, &item, 0) == OL_ITEROVER); // stays over
    CHECK(chunks == 100);
    CHECK(bytes == 100000);
    CHECK(thread_check_failures() == 0);
    ol_iter_close(it);
}

TEST_CASE("C13 slow consumer: the producer pauses, memory stays bounded, all arrives", "[iter]")
{
    TestLoop t;
    Producer p{400, 4096};
    const size_t capacity = 64 * 1024;
    ol_iter *it = start_stream(t.loop, &p, capacity);
    REQUIRE(it);
    size_t got = 0, max_buffered = 0;
    ol_item *item = nullptr;
    while (ol_iter_next(it, &item, 5000) == OL_OK) {
        got++;
        ol_item_free(item);
        if (got % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        max_buffered = std::max(max_buffered, ol_iter_buffered(it));
    }
    CHECK(got == 400);
    CHECK(p.pauses > 0);
    CHECK(p.resumes > 0);
    // The channel never holds more than its capacity plus the chunk that filled it.
    CHECK(max_buffered <= capacity + 4096);
    CHECK(thread_check_failures() == 0);
    ol_iter_close(it);
}

TEST_CASE("C14 closing an iterator early cancels the producer and frees everything", "[iter]")
{
    Producer p{1000000, 4096};
    {
        TestLoop t;
        ol_iter *it = start_stream(t.loop, &p, 32 * 1024);
        REQUIRE(it);
        ol_item *item = nullptr;
        REQUIRE(ol_iter_next(it, &item, 5000) == OL_OK);
        ol_item_free(item);
        ol_iter_close(it);
        for (int i = 0; i < 500 && p.destroys == 0; i++)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    CHECK(p.cancels == 1);
    CHECK(p.destroys == 1);
    CHECK(p.sent < p.total);
}

TEST_CASE("a producer's error arrives after the items queued before it", "[iter]")
{
    TestLoop t;
    Producer p{3, 10};
    p.final_status = OL_EPARTIAL;
    ol_iter *it = start_stream(t.loop, &p, 1 << 20);
    ol_item *item = nullptr;
    for (int i = 0; i < 3; i++) {
        REQUIRE(ol_iter_next(it, &item, 5000) == OL_OK);
        ol_item_free(item);
    }
    CHECK(ol_iter_next(it, &item, 5000) == OL_EPARTIAL);
    CHECK(std::string(ol_iter_error_message(it)) == "stream broke");
    ol_iter_close(it);
}

TEST_CASE("ol_iter_next times out on an idle producer; EDEADLK on the loop thread", "[iter]")
{
    TestLoop t;
    Producer p{0, 0};
    // A producer that pushes nothing and never finishes until cancelled.
    const ol_custom_ops idle_ops = {OL_CUSTOM_OPS_VERSION, idle_start, producer_cancel,
                                    producer_resume, producer_destroy};
    ol_job *job = nullptr;
    REQUIRE(ol_job_custom_new(&job, &idle_ops, &p) == OL_OK);
    ol_iter *it = nullptr;
    REQUIRE(ol_job_submit_iter(t.loop, job, 0, &it) == OL_OK);
    ol_item *item = nullptr;
    CHECK(ol_iter_next(it, &item, 20) == OL_ETIMEDOUT);
    CHECK(item == nullptr);
    std::atomic<int> from_loop{0};
    ol_future *probe = submit_lambda(t.loop, [&](ol_task *) {
        ol_item *i2 = nullptr;
        from_loop = ol_iter_next(it, &i2, -1);
        return OL_OK;
    });
    REQUIRE(ol_future_wait(probe, 5000) == OL_OK);
    CHECK(from_loop == OL_EDEADLK);
    ol_future_release(probe);
    ol_iter_close(it);
}

TEST_CASE("ol_task_push on a job not submitted as an iterator is OL_ENOTSUP", "[iter]")
{
    TestLoop t;
    std::atomic<int> rc{0};
    ol_future *f = submit_lambda(t.loop, [&](ol_task *task) {
        rc = ol_task_push(task, OL_ITEM_DATA, "x", 1, nullptr, nullptr);
        return OL_OK;
    });
    REQUIRE(ol_future_wait(f, 5000) == OL_OK);
    CHECK(rc == OL_ENOTSUP);
    ol_future_release(f);
}

TEST_CASE("ol_iter_cancel wakes a blocked consumer, fires on_ready and cancels the producer",
          "[iter][cancel]")
{
    TestLoop t;
    Producer p{0, 0};
    const ol_custom_ops idle_ops = {OL_CUSTOM_OPS_VERSION, idle_start, producer_cancel,
                                    producer_resume, producer_destroy};
    ol_job *job = nullptr;
    REQUIRE(ol_job_custom_new(&job, &idle_ops, &p) == OL_OK);
    ol_iter *it = nullptr;
    REQUIRE(ol_job_submit_iter(t.loop, job, 0, &it) == OL_OK);
    std::atomic<int> ready_status{1};
    REQUIRE(
        ol_iter_on_ready(
            it,
            [](ol_iter *, int status, void *u) { *static_cast<std::atomic<int> *>(u) = status; },
            &ready_status) == OL_OK);
    std::atomic<int> rc{1};
    std::thread consumer([&] {
        ol_item *item = nullptr;
        rc = ol_iter_next(it, &item, -1);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(rc == 1); // still blocked
    CHECK(ol_iter_cancel(it) == OL_OK);
    consumer.join();
    CHECK(rc == OL_ECANCELED);
    CHECK(ready_status == OL_OK); // the end is there for a non-blocking pull
    ol_item *item = nullptr;
    CHECK(ol_iter_next(it, &item, 0) == OL_ECANCELED);
    for (int i = 0; i < 500 && p.destroys == 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(p.cancels == 1);
    ol_iter_close(it);
    for (int i = 0; i < 500 && p.destroys == 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(p.destroys == 1);
}
