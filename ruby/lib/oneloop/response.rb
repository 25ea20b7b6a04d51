# frozen_string_literal: true

module OneLoop
  # Response headers: ordered, multi-valued, case-insensitive lookup.
  class Headers
    include Enumerable

    def initialize(pairs)
      @pairs = pairs.freeze
    end

    # The first value of name (case-insensitive), or nil.
    def [](name)
      key = name.to_s.downcase
      @pairs.each { |n, v| return v if n.downcase == key }
      nil
    end

    # Every value of name, in order.
    def get_all(name)
      key = name.to_s.downcase
      @pairs.filter_map { |n, v| v if n.downcase == key }
    end

    def key?(name) = !self[name].nil?
    def each(&) = @pairs.each(&)
    def to_a = @pairs
    def size = @pairs.size

    # Lower-case names; repeated headers joined with ", ".
    def to_h
      @pairs.each_with_object({}) do |(n, v), h|
        k = n.downcase
        h[k] = h.key?(k) ? "#{h[k]}, #{v}" : v
      end
    end

    def inspect = "#<OneLoop::Headers #{@pairs.inspect}>"
  end

  # An HTTP response. Any status (404, 500...) is a response, not an error. Headers, URL and
  # timing are copied from the native response on first use.
  class Response
    attr_reader :status, :http_version, :body

    # From a settled HTTP future: the native response lives as long as this object.
    def self.from_future(native)
      status, version, body = Native.response_core(native)
      new(status, version, body, native:)
    end

    # From a stream's head item: [status, version, headers, url].
    def self.from_head(head)
      status, version, headers, url = head
      new(status, version, "".b, headers:, url:)
    end

    def initialize(status, http_version, body, native: nil, headers: nil, url: nil)
      @status = status
      @http_version = http_version
      @body = body
      @native = native
      @header_pairs = headers
      @url = url
    end

    def headers
      @headers ||= Headers.new(@header_pairs || Native.response_headers(@native) || [])
    end

    def [](name) = headers[name]

    # The URL finally fetched (after redirects).
    def url
      @url ||= @native && Native.response_url(@native)
    end

    # curl's timing breakdown: {dns_us:, connect_us:, tls_us:, first_byte_us:, total_us:, ...}.
    def timing
      @native && Native.response_timing(@native)
    end

    def success? = (200..299).cover?(@status)
    def ok? = success?

    def inspect
      "#<OneLoop::Response #{@status} #{@body.bytesize} bytes>"
    end
  end
end
