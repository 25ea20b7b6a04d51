// Many threads submitting, waiting, cancelling and releasing at once (C10): nothing lost,
// nothing settled twice.
#include "support/core_helpers.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <thread>
#include <vector>

namespace {
std::atomic<long> settle_calls{0};
std::atomic<long> double_settles{0};

void on_settled(ol_future *, void *user)
{
    auto *count = static_cast<std::atomic<int> *>(user);
    if (++*count != 1) ++double_settles;
    ++settle_calls;
}

int finish_now(ol_task *task, void *)
{
    return ol_task_finish(task, OL_OK, nullptr, nullptr, 1, nullptr);
}
void finish_cancelled(ol_task *task, void *)
{
    ol_task_finish(task, OL_ECANCELED, nullptr, nullptr, 0, nullptr);
}
const ol_custom_ops quick_ops = {OL_CUSTOM_OPS_VERSION, finish_now, finish_cancelled, nullptr,
                                 nullptr};

int env_int(const char *name, int fallback)
{
    const char *v = getenv(name);
    return v ? atoi(v) : fallback;
}
} // namespace

TEST_CASE("C10 8 threads x 50k jobs in random mixes: zero lost or doubly settled", "[stress]")
{
    // OL_STRESS_JOBS lowers the count for the slow sanitizer builds.
    const int threads = 8, per_thread = env_int("OL_STRESS_JOBS", 50000);
    TestLoop t;
    settle_calls = 0;
    double_settles = 0;
    std::atomic<long> submitted{0}, observed_settled{0};
    std::vector<std::thread> pool;
    for (int id = 0; id < threads; id++) {
        pool.emplace_back([&, id] {
            std::mt19937 rng(1234 + id);
            const int batch = 64;
            std::vector<ol_future *> fs;
            std::vector<std::atomic<int>> counts(per_thread);
            for (int i = 0; i < per_thread; i++) {
                ol_job *job = nullptr;
                int kind = rng() % 4;
                if (kind == 0)
                    ol_job_timer_new(&job, rng() % 2);
                else
                    ol_job_custom_new(&job, &quick_ops, nullptr);
                ol_future *f = nullptr;
                THREAD_CHECK(ol_job_submit(t.loop, job, &f) == OL_OK);
                ++submitted;
                THREAD_CHECK(ol_future_on_done(f, on_settled, &counts[i]) == OL_OK);
                switch (rng() % 4) {
                case 0: ol_future_release(f); break; // drop it unawaited
                case 1:
                    ol_future_cancel(f);
                    fs.push_back(f);
                    break;                       // cancel, then wait
                default: fs.push_back(f); break; // wait
                }
                if (fs.size() >= batch || i == per_thread - 1) {
                    if (rng() % 2) {
                        THREAD_CHECK(ol_wait_all(fs.data(), fs.size(), -1) == OL_OK);
                    } else {
                        for (auto *g : fs) THREAD_CHECK(ol_future_wait(g, -1) == OL_OK);
                    }
                    for (auto *g : fs) {
                        int st = ol_future_status(g);
                        THREAD_CHECK(st == OL_OK || st == OL_ECANCELED);
                        ++observed_settled;
                        ol_future_release(g);
                    }
                    fs.clear();
                }
            }
            // Released-unawaited futures settle later: wait for this thread's to finish.
            for (int spins = 0; spins < 20000; spins++) {
                bool all = true;
                for (auto &c : counts)
                    if (c.load() == 0) {
                        all = false;
                        break;
                    }
                if (all) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            for (auto &c : counts) THREAD_CHECK(c.load() == 1);
        });
    }
    for (auto &th : pool) th.join();
    REQUIRE(thread_check_failures() == 0);
    CHECK(submitted == long(threads) * per_thread);
    CHECK(settle_calls == long(threads) * per_thread);
    CHECK(double_settles == 0);
    ol_loop_stats s = OL_LOOP_STATS_INIT;
    REQUIRE(ol_loop_stats_get(t.loop, &s) == OL_OK);
    CHECK(s.submitted == uint64_t(threads) * per_thread);
    CHECK(s.completed + s.cancelled == s.submitted);
    CHECK(s.failed == 0);
    CHECK(s.in_flight == 0);
}

TEST_CASE("cancel racing completion: exactly one outcome wins", "[stress]")
{
    TestLoop t;
    const int rounds = env_int("OL_STRESS_JOBS", 50000) / 10;
    long ok = 0, cancelled = 0;
    for (int i = 0; i < rounds; i++) {
        ol_job *job = nullptr;
        ol_job_custom_new(&job, &quick_ops, nullptr);
        ol_future *f = nullptr;
        REQUIRE(ol_job_submit(t.loop, job, &f) == OL_OK);
        std::atomic<int> settles{0};
        std::atomic<int> *counter = &settles;
        ol_future_on_done(
            f, [](ol_future *, void *u) { ++*static_cast<std::atomic<int> *>(u); }, counter);
        int rc = ol_future_cancel(f);
        REQUIRE(ol_future_wait(f, -1) == OL_OK);
        int st = ol_future_status(f);
        if (rc == OL_OK) {
            CHECK(st == OL_ECANCELED);
            cancelled++;
        } else {
            CHECK(rc == OL_EALREADY);
            CHECK(st == OL_OK);
            ok++;
        }
        // A cancel's callbacks run on the loop thread, shortly after the cancel returned.
        for (int spin = 0; spin < 5000000 && settles == 0; spin++) std::this_thread::yield();
        CHECK(settles == 1);
        ol_future_release(f);
    }
    CHECK(ok + cancelled == rounds);
}
