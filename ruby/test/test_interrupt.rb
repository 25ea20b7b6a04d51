# frozen_string_literal: true

require "test_helper"
require "timeout"
require "open3"
require "rbconfig"
require "io/wait"

# Waits release the GVL, and interrupting a wait cancels the job (case C24, docs/conformance.md).
class TestInterrupt < Minitest::Test
  HOUR = 3600

  def test_wait_releases_the_gvl_other_threads_run
    f = OneLoop.timer(HOUR)
    waiter = Thread.new { f.wait }
    # This thread runs while the other waits; if the wait held the GVL we could never cancel.
    eventually { waiter.status == "sleep" }
    ticks = 0
    1000.times { ticks += 1 }
    assert_equal 1000, ticks
    f.cancel
    assert_equal true, waiter.value
    assert f.cancelled?
  end

  def test_C24_thread_raise_interrupts_wait_and_cancels_job
    f = OneLoop.timer(HOUR)
    waiter = Thread.new do
      Thread.current.report_on_exception = false
      f.value
    end
    eventually { waiter.status == "sleep" }
    waiter.raise(RuntimeError, "stop waiting")
    err = assert_raises(RuntimeError) { waiter.join }
    assert_equal "stop waiting", err.message
    assert f.cancelled?, "the job was cancelled"
  end

  def test_C24_thread_raise_interrupts_stream_pull_and_aborts_transfer
    in_flight = OneLoop.stats[:in_flight]
    got_first = Queue.new
    reader = Thread.new do
      Thread.current.report_on_exception = false
      drip = url("/fault/slow-drip?bytes=100000&interval=200")
      OneLoop.http.stream(drip) { |_| got_first << true }
    end
    eventually { !got_first.empty? }
    eventually { reader.status == "sleep" }
    reader.raise(RuntimeError, "enough")
    assert_raises(RuntimeError) { reader.join }
    eventually { OneLoop.stats[:in_flight] <= in_flight } # the transfer was aborted
  end

  def test_C24_interrupted_waits_leave_nothing_in_flight
    in_flight = OneLoop.stats[:in_flight]
    20.times do
      f = OneLoop.http.submit(url("/delay/30000"))
      assert_raises(Timeout::Error) { Timeout.timeout(0.01) { f.value } }
      assert f.cancelled?
    end
    eventually { OneLoop.stats[:in_flight] <= in_flight }
  end

  def test_C24_thread_kill_interrupts_wait
    f = OneLoop.timer(HOUR)
    waiter = Thread.new { f.wait }
    eventually { waiter.status == "sleep" }
    waiter.kill
    waiter.join
    assert f.cancelled?
  end

  def test_C24_timeout_timeout_interrupts_wait_and_cancels
    f = OneLoop.timer(HOUR)
    assert_raises(Timeout::Error) { Timeout.timeout(0.05) { f.value } }
    assert f.cancelled?
  end

  def test_C24_timeout_interrupts_wait_all_and_cancels_every_future
    fs = Array.new(3) { OneLoop.timer(HOUR) }
    assert_raises(Timeout::Error) { Timeout.timeout(0.05) { OneLoop.wait_all(fs) } }
    assert fs.all?(&:cancelled?)
  end

  def test_C24_timeout_interrupts_sleep
    assert_raises(Timeout::Error) { Timeout.timeout(0.05) { OneLoop.sleep(HOUR) } }
  end

  def test_C24_ctrl_c_interrupts_wait_in_a_script
    script = <<~RUBY
      require "oneloop"
      f = OneLoop.timer(3600)
      main = Thread.current
      Thread.new do # tell the parent once the main thread is inside the native wait
        Thread.pass until main.status == "sleep"
        $stdout.puts "waiting"; $stdout.flush
      end
      begin
        f.value
      rescue Interrupt
        puts "interrupted \#{f.state}"
      end
    RUBY
    cmd = [RbConfig.ruby, "-I", File.expand_path("../lib", __dir__), "-e", script]
    Open3.popen2(*cmd) do |stdin, out, wait_thr|
      stdin.close
      assert_equal "waiting\n", line_or_flunk(out, wait_thr)
      Process.kill("INT", wait_thr.pid)
      assert_equal "interrupted cancelled\n", line_or_flunk(out, wait_thr)
      assert wait_thr.value.success?
    end
  end

  # A hang guard, not a timed assertion: a stuck child fails the test instead of the suite.
  def line_or_flunk(io, wait_thr)
    return io.gets if io.wait_readable(60)
    Process.kill("KILL", wait_thr.pid)
    flunk "the child script printed nothing within 60 s"
  end
end
