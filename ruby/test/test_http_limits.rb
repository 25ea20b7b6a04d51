# frozen_string_literal: true

require "test_helper"
require "socket"

# Issue 13 points 20 and 22: default timeouts, 0 = no limit, the idle timeout, and decoding
# (decompress: true) at the consumer's pace.
class TestHTTPLimits < Minitest::Test
  def http = OneLoop.http

  def pattern(n) = Array.new(n) { |i| (97 + (i % 26)).chr }.join

  # A loopback port whose connects hang: a full backlog that is never accepted.
  def with_black_hole
    listener = Socket.new(:INET, :STREAM)
    listener.bind(Addrinfo.tcp("127.0.0.1", 0))
    listener.listen(0)
    addr = listener.local_address
    fillers = Array.new(3) do
      s = Socket.new(:INET, :STREAM)
      begin
        s.connect_nonblock(addr)
      rescue IO::WaitWritable, Errno::EINPROGRESS
        nil
      end
      s
    end
    sleep 0.1
    yield "http://127.0.0.1:#{addr.ip_port}/"
  ensure
    fillers&.each(&:close)
    listener&.close
  end

  def test_defaults_are_reported_and_the_connect_timeout_applies
    assert_equal 10.0, OneLoop::HTTP::DEFAULT_CONNECT_TIMEOUT
    assert_equal 300.0, OneLoop::HTTP::DEFAULT_IDLE_TIMEOUT
    with_black_hole do |hole|
      t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      assert_raises(OneLoop::TimeoutError) { http.get(hole, connect_timeout: 0.2) }
      assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 5
    end
  end

  def test_zero_means_no_limit_for_every_timeout_and_limit
    %i[timeout connect_timeout idle_timeout max_response_bytes low_speed_limit
       low_speed_time].each do |opt|
      resp = http.get(url("/fault/slow-drip?bytes=4&interval=100"), opt => 0)
      assert_equal "abcd", resp.body, "#{opt}: 0"
    end
  end

  def test_idle_timeout_fires_when_the_server_stops_sending
    err = assert_raises(OneLoop::TimeoutError) do
      http.get(url("/fault/no-answer"), idle_timeout: 0.3)
    end
    assert_match(/idle/, err.message)
  end

  def test_idle_timeout_restarts_on_every_byte
    drip = url("/fault/slow-drip?bytes=8&interval=100")
    assert_equal "abcdefgh", http.get(drip, idle_timeout: 0.6).body
  end

  def test_idle_timeout_does_not_count_while_the_consumer_holds_the_stream
    s = http.open_stream(url("/bytes/4000000"), capacity: 16 * 1024, idle_timeout: 0.3)
    assert_equal 200, s.head.status
    sleep 1.5 # five idle timeouts, with the channel full
    assert_equal 4_000_000, s.read.bytesize
  ensure
    s&.close
  end

  def test_decompress_buffered_and_streamed_byte_for_byte
    codings = %w[gzip deflate]
    codings << "br" if http.get(url("/encoded/br/1")).status == 200
    codings.each do |coding|
      u = url("/encoded/#{coding}/300000")
      assert_equal pattern(300_000), http.get(u, decompress: true).body, coding
      body = http.stream(u, capacity: 16 * 1024, decompress: true).to_a.join
      assert_equal pattern(300_000), body, coding
    end
  end

  def test_decompress_limit_counts_decoded_bytes
    assert_raises(OneLoop::TooLargeError) do
      http.get(url("/encoded/gzip/#{64 << 20}"), decompress: true, max_response_bytes: 1 << 20)
    end
  end
end
