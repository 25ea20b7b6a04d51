# frozen_string_literal: true

# C18 TLS (and HTTP/2) against Debian's nginx, started here on a free loopback port with a CA
# and a certificate for "localhost" made at test time by tests/nginx/start_nginx.sh.
require_relative "test_helper"
require "tmpdir"

module Nginx
  START_LOCK = Mutex.new
  SCRIPT = File.expand_path("../../tests/nginx/start_nginx.sh", __dir__)

  class << self
    # [port, path of the CA certificate]; nginx runs until the test process exits.
    def server
      START_LOCK.synchronize { @server ||= start }
    end

    private

    def start
      dir = Dir.mktmpdir("oneloop-nginx")
      probe = TCPServer.new("127.0.0.1", 0)
      port = probe.addr[1]
      probe.close
      pid = Process.spawn("sh", SCRIPT, dir, port.to_s, out: File::NULL, err: File.join(dir, "start.err"))
      at_exit do
        Process.kill("TERM", pid) rescue nil # rubocop:disable Style/RescueModifier
        Process.wait(pid) rescue nil # rubocop:disable Style/RescueModifier
        FileUtils.rm_rf(dir)
      end
      wait_until_listening(port, pid, dir)
      [port, File.join(dir, "ca.crt")]
    end

    def wait_until_listening(port, pid, dir)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 15
      loop do
        TCPSocket.new("127.0.0.1", port).close
        return
      rescue SystemCallError
        if Process.waitpid(pid, Process::WNOHANG)
          raise "nginx did not start: #{File.read(File.join(dir, 'start.err')) rescue '?'}"
        end
        raise "nginx did not listen on #{port} within 15 s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

        sleep 0.05
      end
    end
  end
end

class TestTLS < Minitest::Test
  def setup
    @port, @ca = Nginx.server
  end

  def http = OneLoop.http

  def test_C18_verification_on_by_default
    err = assert_raises(OneLoop::TLSError) { http.get("https://localhost:#{@port}/hello.txt") }
    assert_equal OneLoop::Native::OL_ETLS, err.code
  end

  def test_C18_custom_ca_passes_over_http2
    r = http.get("https://localhost:#{@port}/hello.txt", ca_file: @ca)
    assert_equal 200, r.status
    assert_equal "hello over tls\n", r.body
    assert_equal 20, r.http_version
  end

  def test_C18_wrong_host_name_fails
    assert_raises(OneLoop::TLSError) { http.get("https://127.0.0.1:#{@port}/hello.txt", ca_file: @ca) }
  end

  def test_C18_verification_can_be_turned_off_explicitly
    assert_equal 200, http.get("https://127.0.0.1:#{@port}/hello.txt", verify: false).status
  end
end
