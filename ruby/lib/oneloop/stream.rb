# frozen_string_literal: true

module OneLoop
  # A streaming HTTP response: the head first, then body chunks as they arrive, with
  # back-pressure (the transfer pauses while the consumer is behind: C13). One consumer.
  # Close it (or let #each finish) to abort the transfer and free the connection (C14).
  class Stream
    include Enumerable

    # A thread's pull waits this long at most before Ruby checks for close / interrupts. Under
    # a Fiber scheduler pulls never block: they wait on readiness (see StreamReady).
    SLICE_MS = 50

    def initialize(iter)
      @iter = iter
      @lock = Mutex.new
      @head = nil
      @done = false
    end

    # The response head (status, headers; empty body).
    def head
      pull_head
      @head
    end

    # Yields each body chunk (a binary String); without a block, an Enumerator.
    def each
      return enum_for(:each) unless block_given?
      pull_head
      while (chunk = pull)
        yield chunk
      end
      self
    end

    # The rest of the body as one String.
    def read
      each.with_object(+"".b) { |chunk, buf| buf << chunk }
    end

    # Abort the transfer (if still running) and free everything. Idempotent.
    def close
      @lock.synchronize do
        Native.dispose(@iter)
        @done = true
        @ready&.close # after the iterator: wakes a fiber waiting on it
      end
      nil
    end

    def closed? = @done

    private

    def pull_head
      return if @head
      item = pull
      unless item.is_a?(Native::Item)
        raise ProtocolError.new("oneloop: stream ended without a response head",
                                code: Native::OL_EPROTO)
      end
      @head = Response.from_head(item)
    end

    # The next item (a String chunk, or the head Item), nil at the end; raises the stream's
    # failure.
    def pull
      item = FiberWait.scheduler ? pull_in_fiber : pull_in_thread
      case item
      when String, Native::Item then item
      when nil
        @done = true
        nil
      else
        message = @iter.error_message
        @done = true
        raise OneLoop.error_for(item, message)
      end
    end

    # Blocks the thread (GVL released) in slices, so #close and interrupts are seen promptly.
    def pull_in_thread
      loop do
        item = @lock.synchronize do
          return nil if @done
          Native.iter_next(@iter, SLICE_MS)
        end
        return item unless item == Native::OL_ETIMEDOUT
      end
    end

    # Never blocks the thread: a 0-timeout pull, and when it finds nothing the fiber waits on
    # the iterator's readiness through the scheduler (other fibers run meanwhile).
    def pull_in_fiber
      loop do
        item = @lock.synchronize do
          return nil if @done
          got = Native.iter_next(@iter, 0)
          (@ready ||= StreamReady.new).arm(@iter) if got == Native::OL_ETIMEDOUT
          got
        end
        return item unless item == Native::OL_ETIMEDOUT
        @ready.wait(@lock)
      end
    end
  end
end
