# frozen_string_literal: true

module OneLoop
  # HTTP over the process-wide executor (libcurl): one connection pool for every thread.
  #
  # Options (all optional): headers: (Hash or pairs), body: (String), timeout:,
  # connect_timeout: and idle_timeout: (seconds), follow_redirects: (Integer or true), verify:
  # (TLS, default true), verify_peer:, verify_host:, ca_file:, ca_path:, client_cert:,
  # client_key:, client_key_password:, http_version: (:http1_1, :http2, ...), decompress:,
  # proxy:, max_response_bytes:, user_agent:, protocols: ("http,https"), redirect_protocols:
  # ("http,https"), basic_auth: ("user:pass"), low_speed_limit:, low_speed_time:.
  # Defaults: connect_timeout 10 s, idle_timeout 300 s between received bytes (time a stream is
  # held paused by its reader does not count), no total timeout, no max_response_bytes. 0 means
  # "no limit" for every timeout and limit.
  class HTTP
    DEFAULT_CONNECT_TIMEOUT = Native::OL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS / 1000.0
    DEFAULT_IDLE_TIMEOUT = Native::OL_HTTP_DEFAULT_IDLE_TIMEOUT_MS / 1000.0

    # Submit a request; returns a OneLoop::Future whose value is a OneLoop::Response.
    def submit(url, method: nil, **opts)
      submit_built(Request.build(method, url, opts))
    end

    # Send and wait: the Response, or the transport error raised.
    def request(method, url, **opts)
      submit(url, method:, **opts).value
    end

    %w[get head delete options].each do |verb|
      define_method(verb) { |url, **opts| request(verb.upcase, url, **opts) }
    end

    %w[post put patch].each do |verb|
      define_method(verb) { |url, body: nil, **opts| request(verb.upcase, url, body:, **opts) }
    end

    # Run many requests concurrently and wait for all: an Array, in order, of a Response or
    # the OneLoop::Error of that request (per-request errors are values: one failure loses
    # nothing). Each request is a URL String or a Hash {url:, method:, **options}. With
    # timeout: (seconds), requests still running then are cancelled (CancelledError values).
    def gather(requests, timeout: nil, **defaults)
      unless requests.is_a?(Array)
        raise TypeError, "requests must be an Array, got #{requests.class}"
      end
      ms = Timeout.to_ms(timeout)
      futures = []
      all_settled = false
      begin
        futures = submit_all(requests.map { |r| build_one(r, defaults) }) # all checked first
        all_settled = OneLoop.wait_all(futures, timeout: ms.negative? ? nil : ms / 1000.0)
      ensure
        futures.each(&:cancel) unless all_settled # on timeout, interrupt or a bad request
      end
      futures.map(&:result)
    end

    # Stream the response body. With a block: yields each chunk and returns the head (a
    # Response with an empty body). Without: an Enumerator of chunks. Breaking out early
    # aborts the transfer. capacity: bytes buffered before the transfer pauses (0: 1 MiB).
    def stream(url, method: nil, capacity: 0, **opts, &block)
      return enum_for(:stream, url, method:, capacity:, **opts) unless block
      s = open_stream(url, method:, capacity:, **opts)
      begin
        s.each(&block)
        s.head
      ensure
        s.close
      end
    end

    # A OneLoop::Stream to pull yourself (#head, #each, #read); close it when done.
    def open_stream(url, method: nil, capacity: 0, **opts)
      unless capacity.is_a?(Integer)
        raise TypeError, "capacity must be an Integer, got #{capacity.class}"
      end
      raise ArgumentError, "capacity must be >= 0, got #{capacity}" if capacity.negative?
      args = Request.build(method, url, opts)
      Stream.new(Native.http_submit(*args, capacity))
    end

    private

    RESPONSE = ->(native) { Response.from_future(native) }
    private_constant :RESPONSE

    def submit_built(args)
      Future.from_native(Native.http_submit(*args, nil), &RESPONSE)
    end

    # One native call submits the whole batch: the requests reach the executor together.
    def submit_all(built)
      Native.http_submit_batch(built).map { |native| Future.from_native(native, &RESPONSE) }
    end

    def build_one(req, defaults)
      case req
      when String then Request.build(defaults[:method], req, defaults.except(:method))
      when Hash
        opts = defaults.merge(req.transform_keys(&:to_sym))
        url = opts.delete(:url) { raise ArgumentError, "a request Hash needs :url" }
        Request.build(opts.delete(:method), url, opts)
      else
        raise TypeError, "each request must be a URL String or a Hash, got #{req.class}"
      end
    end
  end
end
