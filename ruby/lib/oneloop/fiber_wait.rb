# frozen_string_literal: true

require "io/wait"

module OneLoop
  # Waiting under a Fiber scheduler (the async gem): a blocking native wait would stall every
  # fiber of the thread, so the futures report to a notifier whose fd the scheduler polls
  # through its io_wait; the other fibers run meanwhile.
  module FiberWait
    PENDING = 0

    module_function

    # The scheduler that should handle a wait from here, or nil for a plain blocking wait.
    def scheduler
      if Fiber.respond_to?(:current_scheduler)
        Fiber.current_scheduler
      elsif (s = Fiber.scheduler) && !Fiber.current.blocking?
        s
      end
    end

    # Same results as Native.wait_all / wait_any: OL_OK (all) or the settled index (any),
    # OL_ETIMEDOUT. An exception while waiting (Timeout, Thread#raise, task.stop) cancels the
    # futures, as the GVL-free wait's unblocking function does.
    def wait(natives, timeout_ms, any: false)
      ready = settled(natives, any)
      return ready if ready
      return Native::OL_ETIMEDOUT if timeout_ms.zero?

      notifier = Native.notifier_new
      natives.each_with_index { |f, i| notifier.watch(f, i) }
      io = IO.for_fd(notifier.fd, autoclose: false)
      deadline = timeout_ms.negative? ? nil : now + (timeout_ms / 1000.0)
      loop do
        ready = settled(natives, any)
        return ready if ready
        left = deadline && (deadline - now)
        return Native::OL_ETIMEDOUT if left && left <= 0
        readable(io, left)
        notifier.drain
      end
    rescue Exception # rubocop:disable Lint/RescueException -- any interrupt cancels the wait
      natives.each(&:cancel)
      raise
    ensure
      io&.close # autoclose: false leaves the fd to the notifier
      Native.dispose(notifier) if notifier
    end

    # Wait until io is readable (true) or timeout seconds pass (false); other fibers run
    # meanwhile. io_wait only gives up on a timeout, so with none the scheduler cut the wait
    # short (async 1.x swallows a task.with_timeout there): that is raised as an interrupt.
    def readable(io, timeout = nil)
      return true if io.wait_readable(timeout)
      return false if timeout
      raise CancelledError.new("oneloop: the fiber scheduler interrupted the wait",
                               code: Native::OL_ECANCELED)
    end

    def settled(natives, any)
      if any
        natives.index { |f| f.state != PENDING }
      elsif natives.all? { |f| f.state != PENDING }
        Native::OL_OK
      end
    end

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
