# frozen_string_literal: true

require "test_helper"

begin
  require "async" # Debian's ruby-async
rescue LoadError
  nil
end

# Puma/Unicorn preload: a child that forks after the parent used oneloop just works (C22).
class TestFork < Minitest::Test
  def test_C22_child_after_parent_used_oneloop
    assert_equal 200, OneLoop.http.get(url("/json")).status
    pending_in_parent = OneLoop.timer(3600)
    settled_in_parent = OneLoop.timer(0)
    settled_in_parent.wait
    reader, writer = IO.pipe
    pid = fork do
      # exit! always: the child must never fall through into minitest's at_exit runner
      reader.close
      out = []
      out << OneLoop.http.get(url("/bytes/7")).body.bytesize
      out << OneLoop.http.gather([url("/bytes/1"), url("/bytes/2")]).map { |r| r.body.bytesize }
      out << OneLoop.sleep(0.01)
      out << settled_in_parent.value
      out << (begin; pending_in_parent.value; rescue OneLoop::ForkedError => e; e.class.name; end)
      writer.write(Marshal.dump(out))
    rescue Exception => e # rubocop:disable Lint/RescueException
      writer.write(Marshal.dump([:child_failed, e.class.name, e.message]))
    ensure
      writer.close
      exit!(0)
    end
    writer.close
    result = Marshal.load(reader.read)
    _, status = Process.wait2(pid)
    assert status.success?
    assert_equal [7, [1, 2], 0.01, 0, "OneLoop::ForkedError"], result
    pending_in_parent.cancel
    assert_equal 200, OneLoop.http.get(url("/json")).status, "the parent goes on"
  end

  # A byte every 2 s: a pull in the child would wait on the parent's transfer.
  SLOW = "/fault/slow-drip?bytes=100&interval=2000"

  # Runs the block in a forked child; its result (or the exception's class name) comes back.
  # A child that hangs is killed and reported as :hung.
  def in_child(&block)
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      out = begin
        block.call
      rescue Exception => e # rubocop:disable Lint/RescueException
        e.class.name
      end
      writer.write(Marshal.dump(out))
    ensure
      writer.close
      exit!(0)
    end
    writer.close
    if reader.wait_readable(20)
      result = Marshal.load(reader.read)
      Process.wait(pid)
      result
    else
      Process.kill(:KILL, pid)
      Process.wait(pid)
      :hung
    end
  ensure
    reader&.close
  end

  def test_reading_a_parent_stream_in_a_child_raises_forked_error_at_once
    stream = OneLoop.http.open_stream(url(SLOW))
    assert_equal 200, stream.head.status
    result = in_child do
      t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      begin
        stream.read
        :no_error
      rescue OneLoop::ForkedError
        Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0 < 5 ? :forked : :slow
      end
    end
    assert_equal :forked, result
    stream.close
  end

  def test_reading_a_parent_stream_in_a_child_thread_raises_forked_error
    stream = OneLoop.http.open_stream(url(SLOW))
    assert_equal 200, stream.head.status
    result = in_child do
      Thread.new do
        stream.read
        :no_error
      rescue OneLoop::ForkedError
        :forked
      end.value
    end
    assert_equal :forked, result
    stream.close
  end

  def test_reading_a_parent_stream_in_a_child_under_async_raises_forked_error
    skip "the async gem is not installed (apt-get install ruby-async)" unless defined?(Async)
    stream = OneLoop.http.open_stream(url(SLOW))
    assert_equal 200, stream.head.status
    result = in_child do
      Async do
        stream.read
        :no_error
      rescue OneLoop::ForkedError
        :forked
      end.wait
    end
    assert_equal :forked, result
    stream.close
  end
end
