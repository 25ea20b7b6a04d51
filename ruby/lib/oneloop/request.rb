# frozen_string_literal: true

module OneLoop
  # Turns Ruby arguments into what Native.http_submit takes, checking them first: bad input is
  # an ArgumentError / TypeError with a clear message and nothing is submitted (C15).
  module Request
    N = Native
    TOKEN = /\A[!#$%&'*+.^_`|~0-9A-Za-z-]+\z/

    INT_OPTIONS = {
      connect_timeout: N::OL_HTTP_CONNECT_TIMEOUT_MS, timeout: N::OL_HTTP_TIMEOUT_MS,
      idle_timeout: N::OL_HTTP_IDLE_TIMEOUT_MS,
      low_speed_limit: N::OL_HTTP_LOW_SPEED_LIMIT, low_speed_time: N::OL_HTTP_LOW_SPEED_TIME_S,
      follow_redirects: N::OL_HTTP_FOLLOW_REDIRECTS, verify_peer: N::OL_HTTP_VERIFY_PEER,
      verify_host: N::OL_HTTP_VERIFY_HOST, http_version: N::OL_HTTP_VERSION,
      decompress: N::OL_HTTP_DECOMPRESS, max_response_bytes: N::OL_HTTP_MAX_RESPONSE_BYTES
    }.freeze
    STR_OPTIONS = {
      ca_file: N::OL_HTTP_CA_FILE, ca_path: N::OL_HTTP_CA_PATH,
      client_cert: N::OL_HTTP_CLIENT_CERT, client_key: N::OL_HTTP_CLIENT_KEY,
      client_key_password: N::OL_HTTP_CLIENT_KEY_PASSWORD, proxy: N::OL_HTTP_PROXY,
      user_agent: N::OL_HTTP_USER_AGENT, protocols: N::OL_HTTP_PROTOCOLS,
      redirect_protocols: N::OL_HTTP_REDIRECT_PROTOCOLS, basic_auth: N::OL_HTTP_BASIC_AUTH
    }.freeze
    HTTP_VERSIONS = {
      nil => N::OL_HTTP_VERSION_ANY, any: N::OL_HTTP_VERSION_ANY,
      http1_0: N::OL_HTTP_VERSION_1_0, http1_1: N::OL_HTTP_VERSION_1_1,
      http2: N::OL_HTTP_VERSION_2, http2_tls: N::OL_HTTP_VERSION_2_TLS,
      http2_prior_knowledge: N::OL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
    }.freeze
    KEYS = (INT_OPTIONS.keys + STR_OPTIONS.keys + %i[headers body verify]).freeze
    private_constant :N

    module_function

    # [method, url, header_lines, body, int_opts, str_opts]
    def build(method, url, opts)
      unknown = opts.keys - KEYS
      unless unknown.empty?
        raise ArgumentError, "unknown option(s): #{unknown.map(&:inspect).join(', ')}"
      end
      [method_name(method), url_string(url), header_lines(opts[:headers]), body(opts[:body]),
       int_options(opts), str_options(opts)]
    end

    def method_name(method)
      return nil if method.nil?
      unless method.is_a?(String) || method.is_a?(Symbol)
        raise TypeError, "method must be a String or Symbol, got #{method.class}"
      end
      m = method.to_s.upcase
      raise ArgumentError, "invalid HTTP method #{method.inspect}" unless TOKEN.match?(m)
      m == "GET" ? nil : m
    end

    def url_string(url)
      url = url.to_s if defined?(URI::Generic) && url.is_a?(URI::Generic)
      raise TypeError, "url must be a String or URI, got #{url.class}" unless url.is_a?(String)
      raise ArgumentError, "url must not be empty" if url.empty?
      raise ArgumentError, "url must not contain NUL, CR, LF or spaces" if url.match?(/[\0\r\n ]/)
      url
    end

    def header_lines(headers)
      return nil if headers.nil? || headers.empty?
      unless headers.is_a?(Hash) || headers.is_a?(Array)
        raise TypeError, "headers must be a Hash or an Array of pairs, got #{headers.class}"
      end
      headers.map do |pair|
        unless pair.is_a?(Array) && pair.size == 2
          raise TypeError, "each header must be a [name, value] pair"
        end
        name, value = pair
        name = name.to_s if name.is_a?(Symbol)
        unless name.is_a?(String)
          raise TypeError, "header name must be a String or Symbol, got #{name.class}"
        end
        raise ArgumentError, "invalid header name #{name.inspect}" unless TOKEN.match?(name)
        value = value.to_s if value.is_a?(Numeric) || value.is_a?(Symbol)
        unless value.is_a?(String)
          raise TypeError, "header #{name} value must be a String, got #{value.class}"
        end
        if value.match?(/[\0\r\n]/)
          raise ArgumentError, "header #{name} value must not contain CR, LF or NUL"
        end
        "#{name}: #{value}"
      end
    end

    def body(body)
      return nil if body.nil?
      raise TypeError, "body must be a String, got #{body.class}" unless body.is_a?(String)
      body
    end

    def int_options(opts)
      flat = []
      opts.each do |key, value|
        next if value.nil?
        case key
        when :timeout, :connect_timeout, :idle_timeout
          # 0 (and Float::INFINITY) is "no limit", the core's 0; a tiny positive value is 1 ms.
          ms = Timeout.to_ms(value, key.to_s, allow_nil: false)
          flat.push(INT_OPTIONS[key], ms == Timeout::FOREVER || value.zero? ? 0 : [ms, 1].max)
        when :http_version
          v = HTTP_VERSIONS.fetch(value) do
            raise ArgumentError, "http_version must be one of " \
                                 "#{HTTP_VERSIONS.keys.compact.inspect}, got #{value.inspect}"
          end
          flat.push(INT_OPTIONS[key], v)
        when :follow_redirects
          n = case value
              when true then 10
              when false then 0
              else value
              end
          flat.push(INT_OPTIONS[key], non_negative_int(n, key))
        when :verify, :verify_peer, :verify_host, :decompress
          unless [true, false].include?(value)
            raise TypeError, "#{key} must be true or false, got #{value.inspect}"
          end
          keys = key == :verify ? %i[verify_peer verify_host] : [key]
          keys.each { |k| flat.push(INT_OPTIONS[k], value ? 1 : 0) }
        when :max_response_bytes, :low_speed_limit, :low_speed_time
          flat.push(INT_OPTIONS[key], non_negative_int(value, key))
        end
      end
      flat.empty? ? nil : flat
    end

    def str_options(opts)
      flat = []
      STR_OPTIONS.each do |key, code|
        value = opts[key]
        next if value.nil?
        if %i[protocols redirect_protocols].include?(key) && value.is_a?(Array)
          value = value.map(&:to_s).join(",")
        end
        value = value.to_s if value.is_a?(Symbol)
        raise TypeError, "#{key} must be a String, got #{value.class}" unless value.is_a?(String)
        raise ArgumentError, "#{key} must not contain NUL" if value.include?("\0")
        flat.push(code, value)
      end
      flat.empty? ? nil : flat
    end

    def non_negative_int(value, key)
      raise TypeError, "#{key} must be an Integer, got #{value.class}" unless value.is_a?(Integer)
      raise ArgumentError, "#{key} must be >= 0, got #{value}" if value.negative?
      raise ArgumentError, "#{key} is too large: #{value}" if value >= 2**62
      value
    end

    # The C API refused something the Ruby checks let through.
    def raise_refused(rc, key)
      name = (INT_OPTIONS.key(key) || STR_OPTIONS.key(key) || "header or body").to_s
      if rc == Native::OL_EINVAL
        raise ArgumentError, "oneloop refused #{name}: #{Native.strerror(rc)}"
      end
      raise OneLoop.error_for(rc)
    end
  end
end
