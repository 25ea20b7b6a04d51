# frozen_string_literal: true

require "test_helper"

# Futures and waits over timer jobs (no HTTP needed).
class TestFuture < Minitest::Test
  HOUR = 3600

  def test_C01_timer_future_settles_done_once
    f = OneLoop.timer(0.01)
    assert_equal 10, f.value
    assert_equal :done, f.state
    assert f.done?
    assert_nil f.error
    assert_equal 10, f.value # settled once: same value again
  end

  def test_sleep_returns_the_seconds
    assert_equal 0.01, OneLoop.sleep(0.01)
  end

  def test_C03_wait_timeout_keeps_job_running_and_later_wait_gets_result
    f = OneLoop.timer(0.2)
    refute f.wait(0), "a poll on a pending future reports not settled"
    err = assert_raises(OneLoop::WaitTimeout) { f.value(0.001) }
    assert_equal OneLoop::Native::OL_ETIMEDOUT, err.code
    assert_equal :pending, f.state
    assert_equal 200, f.value
  end

  def test_C04_cancel_right_after_submit_settles_cancelled
    f = OneLoop.timer(HOUR)
    assert f.cancel
    assert_equal :cancelled, f.state
    err = assert_raises(OneLoop::CancelledError) { f.value }
    assert_equal OneLoop::Native::OL_ECANCELED, err.code
  end

  def test_C05_cancel_running_timer_settles_promptly
    f = OneLoop.timer(HOUR)
    refute f.wait(0.01)
    assert f.cancel
    assert f.wait(0), "settled at once by cancel"
    assert f.cancelled?
    assert_kind_of OneLoop::CancelledError, f.error
  end

  def test_C06_cancel_after_completion_has_no_effect
    f = OneLoop.timer(0)
    assert_equal 0, f.value
    refute f.cancel
    assert_equal :done, f.state
    assert_equal 0, f.value
  end

  def test_C07_wait_all_over_mixed_outcomes
    ok = OneLoop.timer(0.01)
    cancelled = OneLoop.timer(HOUR)
    cancelled.cancel
    slow = OneLoop.timer(0.05)
    assert OneLoop.wait_all([ok, cancelled, slow])
    assert_equal %i[done cancelled done], [ok, cancelled, slow].map(&:state)
    assert_equal 10, ok.result
    assert_kind_of OneLoop::CancelledError, cancelled.result
  end

  def test_C07_wait_all_timeout_returns_false_and_each_keeps_its_outcome
    quick = OneLoop.timer(0)
    long = OneLoop.timer(HOUR)
    refute OneLoop.wait_all([quick, long], timeout: 0.02)
    assert quick.done?
    assert long.pending?
    long.cancel
  end

  def test_C08_wait_any_returns_first_settled_rest_continue
    long = OneLoop.timer(HOUR)
    short = OneLoop.timer(0.01)
    assert_same short, OneLoop.wait_any([long, short])
    assert long.pending?
    assert_nil OneLoop.wait_any([long], timeout: 0.01)
    long.cancel
  end

  # Any timeout, however large, waits for the result: never an overflow into "timed out".
  def test_huge_wait_timeouts_wait_for_the_result
    [(2**31) / 1000.0, (2**62) / 1000.0, 1e300, Float::INFINITY].each do |timeout|
      assert_equal 50, OneLoop.timer(0.05).value(timeout)
      assert OneLoop.wait_all([OneLoop.timer(0.05)], timeout:)
    end
    [2**31, 2**62, (2**63) - 1].each do |ms|
      native = OneLoop.timer(0.05).instance_variable_get(:@native)
      assert_equal OneLoop::Native::OL_OK, OneLoop::Native.wait_all([native], ms)
      native = OneLoop.timer(0.05).instance_variable_get(:@native)
      assert_equal 0, OneLoop::Native.wait_any([native], ms) # the index settled
    end
  end

  def test_wait_all_of_nothing_is_true
    assert OneLoop.wait_all([])
  end

  def test_C09_gc_of_unawaited_pending_futures
    before = OneLoop.stats
    200.times { OneLoop.timer(0.001) }
    50.times { OneLoop.timer(HOUR) } # never awaited, never cancelled: freed by GC, run on
    GC.start(full_mark: true, immediate_sweep: true)
    f = OneLoop.timer(0.01)
    assert_equal 10, f.value
    after = OneLoop.stats
    assert_operator after[:submitted] - before[:submitted], :>=, 251
  end

  def test_C11_ruby_never_runs_on_the_executor_thread
    # The executor thread runs C only: a Ruby wait can never be on it, so EDEADLK cannot arise.
    assert_equal 0, OneLoop::Native.on_loop_thread
  end

  def test_C25_one_shared_liboneloop_in_the_process
    maps = File.read("/proc/self/maps").lines.grep(/liboneloop\.so/).map { |l| l.split.last }.uniq
    assert_equal 1, maps.size, "exactly one shared liboneloop mapped: #{maps.inspect}"
    assert_match(/liboneloop\.so/, maps.first)
  end

  def test_future_inspect_and_version
    f = OneLoop.timer(0)
    f.wait
    assert_equal "#<OneLoop::Future done>", f.inspect
    assert_equal OneLoop::VERSION, OneLoop.version
  end
end
