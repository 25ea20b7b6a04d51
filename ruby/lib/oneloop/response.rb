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

    TIMING = %i[dns_us connect_us tls_us first_byte_us total_us redirect_us bytes_up bytes_down
                redirects].freeze
    private_constant :TIMING

    # From a settled HTTP future: the native response lives as long as this object. The body
    # is copied into a Ruby String once and the native buffer goes back to the core's pool at
    # once (Ruby's GC does not see native memory and may collect the future much later).
    def self.from_future(native)
      body = Native.response_body(native)
      Native.response_discard_body(native)
      new(Native.response_status(native), Native.response_http_version(native), body, native:)
    end

    # From a stream's head (a Native::Item; the body follows as chunks).
    def self.from_head(item)
      new(Native.response_status(item), Native.response_http_version(item), "".b, native: item)
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
      @headers ||= Headers.new(@header_pairs || native_header_pairs)
    end

    def [](name) = headers[name]

    # The URL finally fetched (after redirects).
    def url
      @url ||= @native && Native.response_effective_url(@native)
    end

    # curl's timing breakdown: {dns_us:, connect_us:, tls_us:, first_byte_us:, total_us:, ...};
    # nil for a stream's head (its transfer is still running).
    def timing
      return nil unless @native.is_a?(Native::Future)
      t = Native.response_timing(@native)
      TIMING.to_h { |name| [name, t.public_send(name)] }
    end

    def success? = (200..299).cover?(@status)
    def ok? = success?

    def inspect
      "#<OneLoop::Response #{@status} #{@body.bytesize} bytes>"
    end

    private

    # [[name, value], ...] in the order received.
    def native_header_pairs
      return [] unless @native
      Array.new(Native.response_header_count(@native)) { |i| Native.response_header_at(@native, i) }
    end
  end
end
