# frozen_string_literal: true

require "test_helper"

# Many Ruby threads share the one executor (C10).
class TestThreads < Minitest::Test
  def test_C10_16_threads_submitting_and_waiting_timers
    results = Array.new(16) do |_t|
      Thread.new { Array.new(50) { |i| OneLoop.timer((i % 3) / 1000.0) }.map(&:value) }
    end.map(&:value)
    assert_equal 16, results.size
    results.each { |r| assert_equal Array.new(50) { |i| i % 3 }, r }
  end

  def test_C10_16_threads_http_nothing_lost
    bodies = Array.new(16) do |t|
      Thread.new do
        urls = Array.new(20) { |i| url("/bytes/#{(t * 20) + i + 1}") }
        OneLoop.http.gather(urls).map { |r| r.body.bytesize }
      end
    end.map(&:value)
    assert_equal (1..320).to_a, bodies.flatten
  end

  def test_C10_threads_share_one_future
    f = OneLoop.timer(0.05)
    assert_equal [50] * 8, Array.new(8) { Thread.new { f.value } }.map(&:value)
  end
end
