# frozen_string_literal: true

require "test_helper"
require "timeout"

# A trapped signal or Thread#wakeup only interrupts a wait for a moment: the trap handler runs
# and the wait goes on. Only an exception actually raised into the waiting thread (Thread#raise,
# Timeout, a trap handler that raises) cancels the job (case C24, docs/conformance.md). Unicorn
# and Resque workers get USR1/HUP from logrotate in the middle of requests.
class TestSignalWait < Minitest::Test
  DELAY_MS = 600 # long enough for the signals below to arrive while the wait is in progress

  def setup
    @in_flight = OneLoop.stats[:in_flight]
  end

  def test_trapped_usr1_mid_get_runs_the_handler_and_the_get_returns_its_response
    handled = with_trap("USR1") do
      res = with_signals_mid_wait("USR1") { OneLoop.http.get(url("/delay/#{DELAY_MS}")) }
      assert_equal 200, res.status
      assert_equal "ok", res.body
    end
    assert_operator handled, :>=, 1, "the trap handler ran"
  end

  def test_trapped_hup_mid_gather_keeps_every_result
    handled = with_trap("HUP") do
      results = with_signals_mid_wait("HUP") do
        OneLoop.http.gather(Array.new(3) { url("/delay/#{DELAY_MS}") })
      end
      results.each do |r|
        refute_kind_of Exception, r
        assert_equal "ok", r.body
      end
    end
    assert_operator handled, :>=, 1, "the trap handler ran"
  end

  def test_trapped_usr1_mid_wait_all_leaves_the_futures_running
    handled = with_trap("USR1") do
      fs = Array.new(2) { OneLoop.http.submit(url("/delay/#{DELAY_MS}")) }
      assert_equal true, with_signals_mid_wait("USR1") { OneLoop.wait_all(fs) }
      assert fs.all?(&:done?), fs.inspect
    end
    assert_operator handled, :>=, 1, "the trap handler ran"
  end

  def test_trapped_usr1_mid_stream_pull_keeps_the_stream
    chunks = []
    handled = with_trap("USR1") do
      with_signals_mid_wait("USR1") do
        OneLoop.http.stream(url("/fault/slow-drip?bytes=4&interval=150")) { |c| chunks << c }
      end
    end
    assert_equal "abcd", chunks.join
    assert_operator handled, :>=, 1, "the trap handler ran"
  end

  def test_thread_wakeup_mid_get_does_not_cancel_it
    waiter = Thread.new { OneLoop.http.get(url("/delay/#{DELAY_MS}")) }
    eventually { waiter.status == "sleep" }
    3.times do
      waiter.wakeup if waiter.alive?
      sleep 0.05
    end
    res = waiter.value
    assert_equal "ok", res.body
  end

  def test_trap_handler_that_raises_cancels_the_get
    f = OneLoop.http.submit(url("/delay/30000"))
    old = trap("USR1") { raise ArgumentError, "from the trap" }
    begin
      err = assert_raises(ArgumentError) { with_signals_mid_wait("USR1", times: 1) { f.value } }
      assert_equal "from the trap", err.message
    ensure
      trap("USR1", old)
    end
    assert f.cancelled?, "the request was cancelled"
    eventually { OneLoop.stats[:in_flight] <= @in_flight }
  end

  def test_thread_raise_mid_get_still_cancels_the_request
    submitted = Queue.new
    waiter = Thread.new do
      Thread.current.report_on_exception = false
      f = OneLoop.http.submit(url("/delay/30000"))
      submitted << f
      f.value
    end
    f = submitted.pop
    eventually { waiter.status == "sleep" }
    waiter.raise(RuntimeError, "stop")
    assert_raises(RuntimeError) { waiter.join }
    assert f.cancelled?, "the request was cancelled"
    eventually { OneLoop.stats[:in_flight] <= @in_flight }
  end

  def test_timeout_mid_gather_still_cancels_every_request
    assert_raises(Timeout::Error) do
      Timeout.timeout(0.1) { OneLoop.http.gather(Array.new(3) { url("/delay/30000") }) }
    end
    eventually { OneLoop.stats[:in_flight] <= @in_flight }
  end

  private

  # Runs the block with a counting trap on sig; returns how many times the handler ran.
  def with_trap(sig)
    count = 0
    old = trap(sig) { count += 1 }
    begin
      yield
    ensure
      trap(sig, old)
    end
    count
  end

  # Runs the block on this (the main) thread; another thread sends sig to the process a few
  # times once this thread is inside the native wait. Returns the block's value.
  def with_signals_mid_wait(sig, times: 3)
    main = Thread.current
    sender = Thread.new do
      Thread.pass until main.status == "sleep"
      times.times do
        Process.kill(sig, Process.pid)
        sleep 0.05
      end
    end
    begin
      yield
    ensure
      sender.join
    end
  end
end
