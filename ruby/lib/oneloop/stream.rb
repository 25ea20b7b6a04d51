# frozen_string_literal: true

module OneLoop
  # A streaming HTTP response: the head first, then body chunks as they arrive, with
  # back-pressure (the transfer pauses while the consumer is behind: C13). One consumer.
  # Close it (or let #each finish) to abort the transfer and free the connection (C14).
  class Stream
    include Enumerable

    SLICE_MS = 50 # a pull waits this long at most before Ruby checks for close / interrupts

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
        Native.iter_close(@iter)
        @done = true
      end
      nil
    end

    def closed? = @done

    private

    def pull_head
      return if @head
      item = pull
      raise ProtocolError.new("oneloop: stream ended without a response head", code: Native::OL_EPROTO) unless item.is_a?(Array)
      @head = Response.from_head(item)
    end

    # The next item (a String chunk, or an Array head), nil at the end; raises the stream's
    # failure. Waits in slices so #close and interrupts are seen promptly.
    def pull
      delay = 0.001
      loop do
        item = @lock.synchronize do
          return nil if @done
          Native.iter_next(@iter, FiberWait.scheduler ? 0 : SLICE_MS)
        end
        case item
        when String, Array then return item
        when nil
          @done = true
          return nil
        when Native::OL_ETIMEDOUT
          next unless FiberWait.scheduler
          Kernel.sleep(delay) # the scheduler runs other fibers meanwhile
          delay = [delay * 2, 0.05].min
        else
          message = @iter.error_message
          @done = true
          raise OneLoop.error_for(item, message)
        end
      end
    end
  end
end
