# frozen_string_literal: true

module OneLoop
  class << self
    # Wait until every future has settled (true) or timeout seconds pass (false). Each future
    # keeps its own outcome: nothing is raised for a failed one (case C07, docs/conformance.md).
    def wait_all(futures, timeout: nil)
      natives = natives_of(futures)
      wait_result(wait_many(natives, Timeout.to_ms(timeout), any: false))
    end

    # The first future to settle (the lowest index if several have), or nil after timeout
    # seconds. The others go on (C08).
    def wait_any(futures, timeout: nil)
      natives = natives_of(futures)
      raise ArgumentError, "wait_any needs at least one future" if natives.empty?
      rc = wait_many(natives, Timeout.to_ms(timeout), any: true)
      return futures[rc] if rc >= 0
      return nil if rc == Native::OL_ETIMEDOUT
      raise error_for(rc)
    end

    # :nodoc: OL_OK -> true, OL_ETIMEDOUT -> false, anything else raised.
    def wait_result(rc)
      return true if rc == Native::OL_OK
      return false if rc == Native::OL_ETIMEDOUT
      raise error_for(rc)
    end

    private

    def natives_of(futures)
      unless futures.is_a?(Array)
        raise TypeError, "futures must be an Array of OneLoop::Future, got #{futures.class}"
      end
      futures.map do |f|
        raise TypeError, "expected a OneLoop::Future, got #{f.class}" unless f.is_a?(Future)
        f.native
      end
    end

    def wait_many(natives, ms, any:)
      if FiberWait.scheduler
        FiberWait.wait(natives, ms, any:)
      elsif any
        Native.wait_any(natives, ms)
      else
        Native.wait_all(natives, ms)
      end
    end
  end
end
