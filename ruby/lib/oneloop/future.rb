# frozen_string_literal: true

module OneLoop
  # The outcome of one job, settled exactly once: done (a value), failed (a OneLoop::Error) or
  # cancelled. Waits release the GVL; under a Fiber scheduler they yield to other fibers. An
  # exception raised into the waiting thread (Thread#raise, Thread#kill, Timeout.timeout,
  # Ctrl-C) cancels the job; a trap handler that returns and Thread#wakeup do not. Dropping an
  # unawaited Future is fine: GC releases it, the job ends quietly.
  class Future
    STATES = { 0 => :pending, 1 => :done, 2 => :failed, 3 => :cancelled }.freeze
    # Statuses that carry no error; a constant, so #error allocates no Array per call.
    NO_ERROR = [Native::OL_OK, Native::OL_EPENDING].freeze

    # native: a Native::Future. convert: turns the settled native future into the value
    # (default: its integer value).
    def self.from_native(native, &convert)
      new(native, convert)
    end

    attr_reader :native # :nodoc:

    def initialize(native, convert = nil)
      @native = native
      @convert = convert
      @forks = OneLoop.forks
    end
    private_class_method :new

    # :pending, :done, :failed or :cancelled (never blocks).
    def state
      STATES.fetch(@native.state)
    end

    def pending? = @native.state.zero?
    def done? = state == :done
    def failed? = state == :failed
    def cancelled? = state == :cancelled

    # Wait until settled (true) or timeout seconds pass (false; the job goes on).
    def wait(timeout = nil)
      OneLoop.wait_result(wait_native([@native], Timeout.to_ms(timeout)))
    end

    # The value; raises the job's error (a OneLoop::Error), CancelledError, or WaitTimeout when
    # timeout seconds pass first (the job goes on and a later call may get the value).
    def value(timeout = nil)
      ms = Timeout.to_ms(timeout) # checked also when settled: a bad timeout is always an error
      if @native.state.zero? && !OneLoop.wait_result(wait_native([@native], ms)) # settled: no wait
        raise WaitTimeout.new("oneloop: no result within #{timeout} s", code: Native::OL_ETIMEDOUT)
      end
      err = error
      raise err if err
      @value = @convert ? @convert.call(@native) : @native.value_int unless defined?(@value)
      @value
    end

    # The failure as an exception object (not raised); nil while pending or when done.
    def error
      status = @native.status
      return nil if NO_ERROR.include?(status)
      OneLoop.error_for(status, @native.error_message)
    end

    # Once settled: the value, or the error object (never raises it). Batches use this.
    def result
      wait if @native.state.zero?
      error || value
    end

    # Cancel: true if this call cancelled it, false if it had already settled.
    def cancel
      @native.cancel == Native::OL_OK
    end

    def inspect
      "#<OneLoop::Future #{state}>"
    end

    private

    def wait_native(natives, ms)
      if FiberWait.scheduler
        raise ForkedError.new(code: Native::OL_EFORKED) if @forks != OneLoop.forks && pending?
        FiberWait.wait(natives, ms)
      else
        Native.future_wait(@native, ms)
      end
    end
  end
end
