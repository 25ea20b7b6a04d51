# frozen_string_literal: true

# Shared by every test file: loads the real extension (built by run_tests.sh against the real
# liboneloop.so) and starts the project's HTTP fixture server once for the whole process.
require "minitest/autorun"
require "socket"
require "oneloop"

module Fixture
  START_LOCK = Mutex.new

  class << self
    # http://127.0.0.1:<port> of the fixture server (started on first use). Under a lock: the
    # first use may come from many threads at once, and a second server's pipe, dropped and
    # garbage-collected, would close its stdin and stop it.
    def base_url
      START_LOCK.synchronize { @base_url ||= start }
    end

    # A loopback URL where nothing listens (a port bound, then closed).
    def refused_url
      server = TCPServer.new("127.0.0.1", 0)
      port = server.addr[1]
      server.close
      "http://127.0.0.1:#{port}/"
    end

    private

    def start
      path = ENV.fetch("ONELOOP_FIXTURE_SERVER")
      @stdin_w = nil
      r_in, @stdin_w = IO.pipe
      out_r, out_w = IO.pipe
      @pid = Process.spawn(path, in: r_in, out: out_w)
      r_in.close
      out_w.close
      line = out_r.gets or raise "fixture server printed nothing"
      port = Integer(line[/\APORT (\d+)/, 1] || raise("unexpected fixture output: #{line}"))
      out_r.close
      at_exit { stop }
      "http://127.0.0.1:#{port}"
    end

    # Closing its stdin tells the server to exit.
    def stop
      @stdin_w&.close
      Process.wait(@pid) if @pid
    rescue Errno::ECHILD
      nil
    end
  end
end

module OneLoopTestHelpers
  def url(path) = Fixture.base_url + path

  # Wait until the block is true, bounded (never a timed assertion: a deadline only stops a
  # hang from becoming a stuck suite).
  def eventually(limit = 10)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + limit
    until yield
      if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        flunk "condition not reached within #{limit} s"
      end
      Thread.pass
      sleep 0.005
    end
  end
end

Minitest::Test.include(OneLoopTestHelpers)
