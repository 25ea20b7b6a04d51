# frozen_string_literal: true

module OneLoop
  # Every failure oneloop reports: #code is the stable negative OL_E* status of the C API.
  class Error < StandardError
    attr_reader :code

    def initialize(message = nil, code: Native::OL_ERROR)
      @code = code
      super(message || Native.strerror(code))
    end
  end

  class TimeoutError < Error; end        # a job's own timeout expired
  class WaitTimeout < TimeoutError; end  # Future#value(timeout) gave up; the job goes on
  class CancelledError < Error; end
  class ClosedError < Error; end         # the executor is shutting down
  class DeadlockError < Error; end       # a blocking wait on the executor thread
  class ForkedError < Error; end         # a future of the parent process, used in a child
  class NotSupportedError < Error; end
  class InvalidError < Error; end        # refused by the C API after the Ruby checks
  class OutOfMemoryError < Error; end    # a job's failure, not Ruby's NoMemoryError

  # Transport and HTTP failures.
  class HTTPError < Error; end
  class URLError < HTTPError; end
  class ProtocolDeniedError < HTTPError; end
  class ResolveError < HTTPError; end
  class ConnectionError < HTTPError; end
  class ConnectionRefusedError < ConnectionError; end
  class TLSError < HTTPError; end
  class TooLargeError < HTTPError; end
  class ProtocolError < HTTPError; end
  class ReceiveError < HTTPError; end
  class SendError < HTTPError; end
  class PartialResponseError < HTTPError; end
  class TooManyRedirectsError < HTTPError; end
  class EmptyResponseError < HTTPError; end

  N = Native
  ERROR_CLASSES = {
    N::OL_EINVAL => InvalidError, N::OL_ETIMEDOUT => TimeoutError,
    N::OL_ECANCELED => CancelledError, N::OL_ECLOSED => ClosedError,
    N::OL_EDEADLK => DeadlockError, N::OL_EFORKED => ForkedError,
    N::OL_ENOTSUP => NotSupportedError, N::OL_ENOMEM => OutOfMemoryError,
    N::OL_EURL => URLError, N::OL_EPROTOCOL_DENIED => ProtocolDeniedError,
    N::OL_EDNS => ResolveError, N::OL_ECONNREFUSED => ConnectionRefusedError,
    N::OL_ECONNECT => ConnectionError, N::OL_ETLS => TLSError, N::OL_ETOOLARGE => TooLargeError,
    N::OL_EPROTO => ProtocolError, N::OL_ERECV => ReceiveError, N::OL_ESEND => SendError,
    N::OL_EPARTIAL => PartialResponseError, N::OL_EREDIRECTS => TooManyRedirectsError,
    N::OL_EEMPTY => EmptyResponseError
  }.freeze
  private_constant :N

  # The exception for a status code (not raised).
  def self.error_for(code, message = nil)
    klass = ERROR_CLASSES.fetch(code, Error)
    klass.new(message && !message.empty? ? message : nil, code:)
  end

  # Raise unless rc is OL_OK; returns rc.
  def self.check!(rc, message = nil)
    return rc if rc == Native::OL_OK
    raise error_for(rc, message)
  end
end
