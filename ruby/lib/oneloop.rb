# frozen_string_literal: true

# OneLoop: one native I/O executor per process, shared by every Ruby thread (and every other
# binding in the process). Submit work, get a OneLoop::Future, wait without holding the GVL.
#
#   OneLoop.http.get("http://example.test/", timeout: 5).body
#   OneLoop.http.gather(urls)            # => [Response or OneLoop::Error, ...]
#   OneLoop.http.stream(url) { |chunk| } # body chunks as they arrive
#   OneLoop.sleep(0.1)
require_relative "oneloop/version"
require_relative "oneloop/native"
require_relative "oneloop/errors"
require_relative "oneloop/timeout"
require_relative "oneloop/fiber_wait"
require_relative "oneloop/future"
require_relative "oneloop/waits"
require_relative "oneloop/response"
require_relative "oneloop/request"
require_relative "oneloop/stream_ready"
require_relative "oneloop/stream"
require_relative "oneloop/http"
require_relative "oneloop/fork"

module OneLoop
  class << self
    # The process-wide HTTP client (stateless: the connection pool lives in the executor).
    def http
      @http ||= HTTP.new
    end

    # A Future that settles after +seconds+ (a timer on the executor).
    def timer(seconds)
      ms = Timeout.to_ms(seconds, "seconds", allow_nil: false)
      Future.from_native(Native.job_submit(Native.job_timer_new(ms)))
    end

    # Sleep on the executor: the GVL is released (other threads run), under a Fiber scheduler
    # other fibers run, and an interrupt cancels the timer. Returns the seconds asked for.
    def sleep(seconds)
      timer(seconds).value
      seconds
    end

    STATS = %i[submitted completed failed cancelled in_flight queue_depth http_connections].freeze
    private_constant :STATS

    # Executor counters: submitted, completed, failed, cancelled, in_flight, http_connections...
    def stats
      s = Native.loop_stats
      STATS.to_h { |name| [name, s.public_send(name)] }
    end

    def version
      Native.version_string
    end
  end
end
