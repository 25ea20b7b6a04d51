# frozen_string_literal: true

require "test_helper"
require "json"

# HTTP jobs against the project's fixture server on loopback.
class TestHTTP < Minitest::Test
  def http = OneLoop.http

  def test_C01_get_json
    r = http.get(url("/json"))
    assert_equal 200, r.status
    assert_equal 300, r.body.bytesize
    assert_equal "application/json", r.headers["content-type"]
    assert_equal "application/json", r["Content-Type"]
    assert_equal url("/json"), r.url
    assert_equal true, JSON.parse(r.body)["ok"]
    assert_operator r.timing[:total_us], :>, 0
    assert r.success?
  end

  def test_large_bodies_stay_intact_after_the_native_buffer_is_given_back
    2.times do # the second batch reuses the buffers the first gave back
      responses = http.gather([url("/bytes/102400")] * 20)
      responses.each do |r|
        assert_equal 102_400, r.body.bytesize
        assert_equal (("a".."z").to_a.join * 3938) + "abcdefghijklmnopqrstuvwxyz"[0, 12], r.body
        assert_equal "102400", r.headers["content-length"] # still readable afterwards
      end
    end
    f = http.submit(url("/bytes/102400"))
    assert_same f.value, f.value # converted once: the body is copied before it is given back
    assert_equal 102_400, f.value.body.bytesize
  end

  def test_status_is_data_not_an_error
    r = http.get(url("/status/503"))
    assert_equal 503, r.status
    refute r.success?
  end

  def test_post_echo_and_request_headers
    r = http.post(url("/echo"), body: "ping \x00 bytes".b, headers: { "X-Test" => "1" })
    assert_equal "ping \x00 bytes".b, r.body.b
    assert_equal "POST", r.headers["x-echo-method"]
    head = http.get(url("/echo/headers"), headers: [%w[X-One a], [:"X-Two", 2]]).body
    assert_match(/^X-One: a\r?$/i, head)
    assert_match(/^X-Two: 2\r?$/i, head)
  end

  def test_multi_valued_headers_keep_order
    r = http.get(url("/headers/multi"))
    multi = r.headers.to_a.group_by { |n, _| n.downcase }.values.find { |v| v.size > 1 }
    refute_nil multi, "the fixture sends a repeated header"
    assert_equal multi.map(&:last), r.headers.get_all(multi.first.first.upcase)
  end

  def test_C02_failure_is_delivered_and_other_jobs_unaffected
    bad = http.submit(Fixture.refused_url)
    good = http.submit(url("/bytes/10"))
    err = assert_raises(OneLoop::ConnectionRefusedError) { bad.value }
    assert_equal OneLoop::Native::OL_ECONNREFUSED, err.code
    refute_empty err.message
    assert_kind_of OneLoop::Error, err
    assert_equal 10, good.value.body.bytesize
  end

  def test_C07_gather_keeps_per_request_outcomes
    results = http.gather([url("/bytes/5"), Fixture.refused_url, url("/status/404"),
                           { url: url("/echo"), method: :put, body: "x" },
                           { url: url("/delay/200"), timeout: 0.02 }])
    assert_equal 5, results[0].body.bytesize
    assert_kind_of OneLoop::ConnectionRefusedError, results[1]
    assert_equal 404, results[2].status
    assert_equal "x", results[3].body
    assert_kind_of OneLoop::TimeoutError, results[4]
  end

  def test_C07_gather_timeout_cancels_the_rest
    results = http.gather([url("/bytes/1"), url("/delay/10000")], timeout: 0.2)
    assert_equal 1, results[0].body.bytesize
    assert_kind_of OneLoop::CancelledError, results[1]
  end

  def test_C05_cancel_running_http_job
    f = http.submit(url("/delay/30000"))
    refute f.wait(0.05)
    assert f.cancel
    assert f.cancelled?
    assert_equal 1, http.get(url("/bytes/1")).body.bytesize # the executor goes on
  end

  def test_C12_stream_all_chunks_equal_the_body
    chunks = []
    head = http.stream(url("/chunked/20/1000")) { |c| chunks << c }
    assert_equal 200, head.status
    assert_equal 20_000, chunks.sum(&:bytesize)
    assert_equal http.get(url("/chunked/20/1000")).body.b, chunks.join.b
    assert_equal 102_400, http.stream(url("/bytes/102400")).sum(&:bytesize)
  end

  def test_C13_slow_consumer_memory_bounded
    s = http.open_stream(url("/bytes/4000000"), capacity: 64 * 1024)
    assert_equal 200, s.head.status
    first = s.each.first
    eventually { s.instance_variable_get(:@iter).buffered >= 32 * 1024 }
    assert_operator s.instance_variable_get(:@iter).buffered, :<=, (64 * 1024) + (256 * 1024),
                    "the transfer pauses instead of buffering the whole body"
    assert_equal 4_000_000 - first.bytesize, s.read.bytesize
  ensure
    s&.close
  end

  def test_C09_gc_of_abandoned_streams
    5.times do
      enum = http.stream(url("/chunked/1000/1000?interval=20"))
      enum.next # an external Enumerator left half-read
      s = http.open_stream(url("/chunked/1000/1000?interval=20"))
      s.head
    end
    GC.start(full_mark: true, immediate_sweep: true)
    assert_equal 300, http.get(url("/json")).body.bytesize # nothing crashed, the executor goes on
  end

  def test_C14_stream_close_early_aborts
    in_flight = OneLoop.stats[:in_flight]
    before = OneLoop.stats[:cancelled]
    seen = 0
    http.stream(url("/chunked/1000/1000?interval=5")) do |c|
      seen += c.bytesize
      break if seen >= 3000
    end
    assert_operator seen, :>=, 3000
    assert_equal 1, http.get(url("/bytes/1")).body.bytesize
    eventually { OneLoop.stats[:cancelled] > before } # the transfer was aborted
    eventually { OneLoop.stats[:in_flight] <= in_flight }
  end

  def test_C16_server_faults_raise_their_errors
    # Each fault its documented error (the same table as the C suite's test_http_faults.cpp).
    { "/fault/truncated-chunked" => OneLoop::PartialResponseError,
      "/fault/short" => OneLoop::PartialResponseError,
      "/fault/garbage" => OneLoop::ProtocolError, "/fault/reset" => OneLoop::ReceiveError,
      "/fault/big-headers" => OneLoop::TooLargeError }.each do |path, klass|
      err = assert_raises(klass, path) { http.get(url(path), timeout: 10) }
      assert_operator err.code, :<, 0
    end
    # A close without reply: on a fresh connection curl reports an empty reply; on a reused
    # one it retries on new connections and reports the last send failure ("Connection died").
    err = assert_raises(OneLoop::EmptyResponseError, OneLoop::SendError) do
      http.get(url("/fault/close"))
    end
    assert_operator err.code, :<, 0
    assert_raises(OneLoop::TimeoutError) { http.get(url("/fault/no-answer"), timeout: 0.2) }
    slow = url("/fault/slow-drip?bytes=1000&interval=300")
    assert_raises(OneLoop::TimeoutError) { http.get(slow, timeout: 0.3) }
    assert_equal 100, http.get(url("/fault/slow-drip?bytes=100&interval=1")).body.bytesize
    # a body longer than its Content-Length: the announced bytes, and the next request is clean
    assert_equal "01234", http.get(url("/fault/lie-length")).body
    assert_equal 300, http.get(url("/json")).body.bytesize
    assert_raises(OneLoop::ConnectionRefusedError) { http.get(Fixture.refused_url) }
  end

  def test_C16_stream_fault_raises_from_each
    assert_raises(OneLoop::HTTPError) do
      http.stream(url("/fault/truncated-chunked"), timeout: 10) { |_| nil }
    end
  end

  def test_C17_connection_reuse
    http.get(url("/stats/reset"))
    20.times { http.get(url("/bytes/10")) }
    stats = JSON.parse(http.get(url("/stats")).body)
    assert_operator stats["connections"], :<=, 2
  end

  def test_C19_scheme_restriction
    assert_raises(OneLoop::ProtocolDeniedError) { http.get("file:///etc/passwd") }
    assert_raises(OneLoop::ProtocolDeniedError) { http.get("gopher://127.0.0.1/") }
  end

  def test_C19_C20_redirect_to_file_refused_although_protocols_allow_file
    target = url("/redirect-to?url=file:///etc/hostname")
    assert_raises(OneLoop::ProtocolDeniedError) do
      http.get(target, follow_redirects: 3, protocols: %w[http https file])
    end
    r = http.get(target, follow_redirects: 3, protocols: "http,https,file",
                         redirect_protocols: %w[http https file])
    assert_equal File.binread("/etc/hostname"), r.body.b
    refute_equal 302, r.status
  end

  def test_C20_redirects_off_by_default_followed_when_asked
    r = http.get(url("/redirect/2"))
    assert_includes 300..399, r.status
    r = http.get(url("/redirect/2"), follow_redirects: 5)
    assert_equal 200, r.status
    assert_raises(OneLoop::TooManyRedirectsError) do
      http.get(url("/redirect/5"), follow_redirects: 2)
    end
  end

  def test_C21_response_size_limit
    assert_raises(OneLoop::TooLargeError) do
      http.get(url("/bytes/100000"), max_response_bytes: 1000)
    end
    assert_equal 1000, http.get(url("/bytes/1000"), max_response_bytes: 1000).body.bytesize
  end

  def test_gzip_decompress
    r = http.get(url("/gzip"), decompress: true)
    assert_equal 200, r.status
    refute_empty r.body
  end
end
