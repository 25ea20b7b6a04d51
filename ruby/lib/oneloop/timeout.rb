# frozen_string_literal: true

module OneLoop
  # Seconds (Ruby's unit) to the C API's int64 milliseconds (negative = forever).
  module Timeout
    FOREVER = -1
    MAX_MS = 2**62

    module_function

    def to_ms(seconds, name = "timeout", allow_nil: true)
      if seconds.nil?
        raise TypeError, "#{name} must be a Numeric, not nil" unless allow_nil
        return FOREVER
      end
      unless seconds.is_a?(Numeric) && seconds.real?
        raise TypeError, "#{name} must be a Numeric (seconds), got #{seconds.class}"
      end
      raise ArgumentError, "#{name} must be >= 0, got #{seconds}" if seconds.negative?
      return FOREVER if seconds.infinite?
      [(seconds * 1000).ceil, MAX_MS].min
    end
  end
end
