# frozen_string_literal: true

require "test_helper"

# Bad input: ArgumentError / TypeError with a clear message, nothing submitted (C15).
class TestArgs < Minitest::Test
  def http = OneLoop.http

  def assert_nothing_submitted
    before = OneLoop.stats[:submitted]
    yield
    assert_equal before, OneLoop.stats[:submitted]
  end

  def test_C15_bad_url_types
    assert_nothing_submitted do
      assert_match(/url must be a String/, assert_raises(TypeError) { http.get(nil) }.message)
      assert_match(/url must be a String/, assert_raises(TypeError) { http.get(42) }.message)
      assert_raises(ArgumentError) { http.get("") }
      assert_raises(ArgumentError) { http.get("http://x/\r\nEvil: 1") }
    end
  end

  def test_C15_malformed_url_fails_on_the_future
    assert_raises(OneLoop::URLError) { http.get("http://[::1") }
  end

  def test_C15_bad_timeouts
    assert_nothing_submitted do
      err = assert_raises(ArgumentError) { http.get(url("/json"), timeout: -1) }
      assert_match(/timeout must be >= 0/, err.message)
      err = assert_raises(TypeError) { http.get(url("/json"), timeout: "1") }
      assert_match(/timeout must be a Numeric/, err.message)
      assert_raises(TypeError) { OneLoop.timer(nil) }
      assert_raises(ArgumentError) { OneLoop.sleep(-0.5) }
    end
    f = OneLoop.timer(0)
    assert_raises(ArgumentError) { f.value(-1) }
    assert_raises(TypeError) { f.wait(:soon) }
  end

  def test_C15_unknown_option_and_bad_values
    assert_nothing_submitted do
      err = assert_raises(ArgumentError) { http.get(url("/json"), bogus: 1) }
      assert_match(/unknown option/, err.message)
      assert_raises(ArgumentError) { http.get(url("/json"), http_version: :http9) }
      assert_raises(TypeError) { http.get(url("/json"), verify: "yes") }
      assert_raises(ArgumentError) { http.get(url("/json"), max_response_bytes: -5) }
      assert_raises(TypeError) { http.get(url("/json"), follow_redirects: "3") }
      assert_raises(TypeError) { http.get(url("/json"), user_agent: 5) }
    end
  end

  def test_C15_bad_headers_method_and_body
    assert_nothing_submitted do
      assert_raises(TypeError) { http.get(url("/json"), headers: "X: y") }
      assert_raises(ArgumentError) { http.get(url("/json"), headers: { "Bad Name" => "v" }) }
      injected = { "X-A" => "v\r\nInjected: 1" }
      assert_raises(ArgumentError) { http.get(url("/json"), headers: injected) }
      assert_raises(TypeError) { http.get(url("/json"), headers: { "X-A" => nil }) }
      assert_raises(ArgumentError) { http.request("GE T", url("/json")) }
      assert_raises(TypeError) { http.request(1, url("/json")) }
      assert_raises(TypeError) { http.post(url("/echo"), body: 123) }
    end
  end

  def test_C15_bad_batches_and_waits
    assert_raises(TypeError) { http.gather("http://x") }
    assert_nothing_submitted { assert_raises(TypeError) { http.gather([url("/json"), 42]) } }
    assert_raises(ArgumentError) { http.gather([{ method: :get }]) }
    assert_raises(TypeError) { OneLoop.wait_all(nil) }
    assert_raises(TypeError) { OneLoop.wait_all([1]) }
    assert_raises(ArgumentError) { OneLoop.wait_any([]) }
    assert_raises(TypeError) { http.stream(url("/json"), capacity: "big") { nil } }
  end

  def test_C15_native_layer_rejects_wrong_types_without_crashing
    assert_raises(TypeError) { OneLoop::Native.wait_all([Object.new], -1) }
    assert_raises(TypeError) { OneLoop::Native.http_submit(nil, 5, nil, nil, nil, nil, nil) }
    assert_raises(ArgumentError) { OneLoop::Native.http_submit(nil, "http://a\0b", nil, nil, nil, nil, nil) }
    assert_raises(TypeError) { OneLoop::Native.iter_next(nil, 0) }
  end
end
