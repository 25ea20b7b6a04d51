# frozen_string_literal: true

require "test_helper"
require "timeout"

begin
  require "async" # Debian's ruby-async
rescue LoadError
  nil
end

# Streams under a Fiber scheduler: a pull that finds nothing waits on the iterator's readiness
# through the scheduler's io_wait (other fibers run), and however the stream ends (done, break,
# close from another fiber, an exception, a timeout) its iterator is closed and its notifier
# freed.
class TestFiberStream < Minitest::Test
  # A byte every 10 ms for 10 s: each test stops it long before (a blocking pull would not).
  DRIP = "/fault/slow-drip?bytes=1000&interval=10"

  def setup
    skip "the async gem is not installed (apt-get install ruby-async)" unless defined?(Async)
  end

  # The fixture's pattern: byte i is 'a' + i % 26.
  def pattern(size)
    Array.new(size) { |i| ("a".ord + (i % 26)).chr }.join
  end

  # Runs the block, then checks every Stream made meanwhile: iterator closed (the transfer is
  # aborted if it was running), notifier freed. GC is off so none is collected unchecked.
  def assert_streams_released
    known = ObjectSpace.each_object(OneLoop::Stream).map(&:object_id)
    GC.disable
    yield
    made = ObjectSpace.each_object(OneLoop::Stream).reject { |s| known.include?(s.object_id) }
    refute_empty made
    made.each do |s|
      err = assert_raises(RuntimeError) { s.instance_variable_get(:@iter).buffered }
      assert_equal "ObjectPreviouslyDeleted", err.class.name, "iterator closed" # SWIG: NULL handle
      ready = s.instance_variable_get(:@ready)
      assert ready.nil? || ready.instance_variable_get(:@io).closed?, "notifier freed"
    end
  ensure
    GC.enable
  end

  def test_slow_drip_stream_lets_other_fibers_run
    got = +""
    ticks = 0 # counted only while the stream is running
    assert_streams_released do
      Async do |task|
        streamer = task.async do
          OneLoop.http.stream(url(DRIP)) do |c|
            got << c
            # A pull that blocked the thread would never let the ticker run: no way out but
            # the end of the body, 10 s away (then the ticks and size checks fail).
            break if ticks >= 5
          end
        end
        task.async do
          until streamer.finished?
            sleep 0.001
            ticks += 1 unless got.empty?
          end
        end
        streamer.wait
      end.wait
    end
    assert_operator ticks, :>=, 5
    assert_operator got.bytesize, :<, 1000
    assert_equal pattern(got.bytesize), got
  end

  def test_an_idle_stream_waits_without_polling
    pulls = 0
    tracer = TracePoint.new(:c_call) { |tp| pulls += 1 if tp.method_id == :iter_next }
    status = nil
    assert_streams_released do
      Async do |task|
        s = OneLoop.http.open_stream(url("/fault/slow-drip?bytes=1&interval=10000"))
        reader = task.async do
          status = s.head.status
          # the guard turns a close that wakes nobody into a failure instead of a hang
          task.with_timeout(5) { s.each { |_| flunk "the byte is 10 s away" } }
        end
        sleep 0.001 until status # the reader now waits for the body
        tracer.enable { sleep 0.1 } # a poller would pull again and again meanwhile
        refute reader.finished?
        s.close
        reader.wait
      end.wait
    end
    assert_equal 200, status
    assert_equal 0, pulls, "iter_next calls while the stream had nothing"
  end

  def test_concurrent_streams_in_fibers_get_every_byte_in_order
    # [path, capacity, body size]: a small capacity makes the transfer pause and resume often.
    cases = [["/chunked/40/1000?interval=2", 0, 40_000], ["/chunked/7/3333", 0, 23_331],
             ["/bytes/300000", 8 * 1024, 300_000], ["/fault/slow-drip?bytes=30&interval=5", 0, 30],
             ["/chunked/200/100?interval=1", 1024, 20_000]]
    bodies = {}
    assert_streams_released do
      Async do |task|
        cases.map do |path, capacity, _|
          task.async do
            body = +""
            head = OneLoop.http.stream(url(path), capacity:) { |c| body << c }
            bodies[path] = [head.status, body]
          end
        end.each(&:wait)
      end.wait
    end
    cases.each do |path, _, size|
      assert_equal [200, pattern(size)], bodies[path], path
    end
  end

  def test_C16_mid_body_faults_raise_their_errors_in_a_fiber
    results = {}
    assert_streams_released do
      Async do |task|
        %w[/fault/reset /fault/truncated-chunked].map do |path|
          task.async do
            got = 0
            OneLoop.http.stream(url(path), timeout: 10) { |c| got += c.bytesize }
            results[path] = :no_error
          rescue OneLoop::Error => e
            results[path] = [e.class, got]
          end
        end.each(&:wait)
      end.wait
    end
    cls, got = results["/fault/reset"]
    assert_equal OneLoop::ReceiveError, cls
    assert_operator got, :<=, 1000 # the fixture sends 1000 of 100000 bytes, then resets
    assert_equal [OneLoop::PartialResponseError, 300], results["/fault/truncated-chunked"]
  end

  def test_C14_breaking_early_aborts_the_transfer
    cancelled = OneLoop.stats[:cancelled]
    seen = 0
    assert_streams_released do
      Async do
        OneLoop.http.stream(url("/chunked/1000/1000?interval=5")) do |c|
          seen += c.bytesize
          break if seen >= 3000
        end
      end.wait
    end
    assert_operator seen, :>=, 3000
    assert_operator seen, :<, 1_000_000
    assert_operator OneLoop.stats[:cancelled], :>, cancelled, "the running transfer was cancelled"
  end

  def test_close_from_another_fiber_wakes_the_waiting_pull
    got = +""
    ended = nil
    assert_streams_released do
      Async do |task|
        s = OneLoop.http.open_stream(url(DRIP))
        reader = task.async do
          # the guard turns a close that wakes nobody into a failure instead of a hang
          task.with_timeout(5) { s.each { |c| got << c } }
          ended = :normally
        end
        task.async do
          sleep 0.001 while got.empty? # the reader now waits in a pull (it yields nowhere else)
          s.close
        end
        reader.wait
      end.wait
    end
    assert_equal :normally, ended
    assert_operator got.bytesize, :<, 1000
  end

  def test_task_stop_and_with_timeout_release_the_stream
    assert_streams_released do
      Async do |task|
        started = false
        streamer = task.async { OneLoop.http.stream(url(DRIP)) { |_| started = true } }
        sleep 0.001 until started
        streamer.stop # Async::Stop raised in the waiting fiber
        assert streamer.stopped?

        timed = task.async do
          task.with_timeout(0.05) { OneLoop.http.stream(url(DRIP)) { |_| nil } }
        rescue Async::TimeoutError, OneLoop::CancelledError => e
          # async 1.x's io_wait swallows the with_timeout error; oneloop raises CancelledError
          e.class
        end
        assert_includes [Async::TimeoutError, OneLoop::CancelledError], timed.wait
      end.wait
    end
  end

  def test_exception_in_another_fiber_releases_the_stream
    require "async/barrier"
    level = Console.logger.level
    Console.logger.level = :error # async warns about the failed task: expected here
    assert_streams_released do
      err = assert_raises(RuntimeError) do
        Async do
          barrier = Async::Barrier.new
          started = false
          barrier.async do
            sleep 0.001 until started
            raise "boom"
          end
          barrier.async { OneLoop.http.stream(url(DRIP)) { |_| started = true } }
          barrier.wait # waits in order: re-raises boom here
        ensure
          barrier.stop # the streamer's waiting pull gets Async::Stop
        end.wait
      end
      assert_equal "boom", err.message
    end
  ensure
    Console.logger.level = level if level
  end

  def test_timeout_timeout_releases_the_stream
    # Ruby 3.1's Timeout raises in the thread, wherever it is: in the fiber (inside the
    # block) or in the reactor's select, which then stops every task. Either way: released.
    assert_streams_released do
      assert_raises(Timeout::Error) do
        Async do
          Timeout.timeout(0.1) { OneLoop.http.stream(url(DRIP)) { |_| nil } }
        end.wait
      end
    end
  end
end
