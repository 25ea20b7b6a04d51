# frozen_string_literal: true

module OneLoop
  # How a Stream pulled under a Fiber scheduler waits for its next item: the iterator reports
  # readiness to a notifier (ol_notifier_watch_iter) and the fiber waits on the notifier's fd
  # through the scheduler's io_wait, so the thread never blocks and nothing polls.
  #
  # Every method but #wait runs under the stream's lock, which also keeps the iterator open.
  # A #close while a fiber waits (from another fiber or thread) wakes that fiber, which frees
  # the notifier as it leaves #wait: closing the fd under a pending io_wait would strand it.
  class StreamReady
    READY = 1 # tag of the iterator watch
    WAKE = 2  # tag #close posts to wake a waiting fiber

    def initialize
      @notifier = Native.notifier_new
      @io = IO.for_fd(@notifier.fd, autoclose: false)
      @waiting = false
      @closed = false
    end

    # After a 0-timeout pull found the iterator empty: have it report once it has an item or
    # has ended. From here on the caller counts as waiting (a #close wakes it).
    def arm(iter)
      rc = @notifier.watch_iter(iter, READY)
      # OL_EALREADY: still armed by an earlier wait that was interrupted; it reports here too.
      OneLoop.check!(rc) unless rc == Native::OL_EALREADY
      @waiting = true
    end

    # Outside the lock: other fibers run until the watch (or #close) reports. A wakeup may be
    # stale (left by an interrupted wait): the caller pulls again and re-arms if still empty.
    def wait(lock)
      FiberWait.readable(@io)
      @notifier.drain
    ensure
      lock.synchronize do
        @waiting = false
        free if @closed
      end
    end

    # Idempotent. The iterator is closed already (so its watch will never report).
    def close
      return if @closed
      @closed = true
      return free unless @waiting
      @notifier.post(WAKE) # the fd turns readable: the waiting fiber wakes and frees it
    end

    private

    def free
      return if @io.closed?
      @io.close # autoclose: false leaves the fd to the notifier
      Native.dispose(@notifier)
    end
  end
end
