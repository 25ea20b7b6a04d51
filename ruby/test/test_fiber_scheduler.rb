# frozen_string_literal: true

require "test_helper"

begin
  require "async" # Debian's ruby-async
rescue LoadError
  nil
end

# Under a Fiber scheduler a wait yields to the other fibers of the thread (it waits on the
# notifier fd through the scheduler's io_wait).
class TestFiberScheduler < Minitest::Test
  def setup
    skip "the async gem is not installed (apt-get install ruby-async)" unless defined?(Async)
  end

  def test_wait_yields_to_other_fibers
    events = []
    f = OneLoop.timer(3600)
    Async do |task|
      waiter = task.async do
        f.value
      rescue OneLoop::CancelledError
        events << :waiter_woken
      end
      # A blocking wait would never let this fiber run, so nothing would cancel the timer.
      task.async do
        events << :other_fiber_ran
        f.cancel
      end
      waiter.wait
    end.wait
    assert_equal %i[other_fiber_ran waiter_woken], events
  end

  def test_gather_and_sleep_in_fibers
    results = []
    Async do |task|
      tasks = Array.new(4) do |i|
        task.async do
          responses = OneLoop.http.gather([url("/bytes/#{i + 1}"), url("/json")])
          results << responses.map { |r| r.body.bytesize }
        end
      end
      tasks << task.async { OneLoop.sleep(0.01) && (results << :slept) }
      tasks.each(&:wait)
    end.wait
    assert_includes results, :slept
    assert_equal [[1, 300], [2, 300], [3, 300], [4, 300]], (results - [:slept]).sort
  end

  def test_wait_all_and_wait_any_in_a_fiber
    Async do
      quick = OneLoop.timer(0)
      long = OneLoop.timer(3600)
      assert_same quick, OneLoop.wait_any([long, quick])
      refute OneLoop.wait_all([quick, long], timeout: 0.01)
      long.cancel
      assert OneLoop.wait_all([quick, long])
    end.wait
  end

  def test_C24_task_timeout_cancels_the_future
    f = OneLoop.timer(3600)
    caught = nil
    Async do |task|
      task.with_timeout(0.02) { f.value }
    rescue Async::TimeoutError, OneLoop::CancelledError => e
      # async 1.x's io_wait swallows the with_timeout error; oneloop then raises CancelledError
      caught = e.class
    end.wait
    refute_nil caught
    assert f.cancelled?
  end

  def test_fiber_waits_leak_no_file_descriptors
    fds = -> { Dir.children("/proc/self/fd").size }
    Async { OneLoop.sleep(0.001) }.wait # warm up the reactor's own descriptors
    before = fds.call
    Async do
      100.times { OneLoop.timer(0.001).value }
      long = OneLoop.timer(3600)
      20.times { refute long.wait(0.001) } # timed-out waits on a pending future
      long.cancel
    end.wait
    # The cancel's callbacks (they free the timed-out waits' notifiers) run on the loop thread.
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 5
    now = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }
    sleep 0.01 while fds.call > before + 2 && now.call < deadline
    assert_operator fds.call, :<=, before + 2
  end

  def test_stream_in_a_fiber
    total = 0
    Async do
      OneLoop.http.stream(url("/chunked/10/1000")) { |c| total += c.bytesize }
    end.wait
    assert_equal 10_000, total
  end
end
