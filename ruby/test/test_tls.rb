# frozen_string_literal: true

# C18 TLS (and HTTP/2) against Debian's nginx, started here on a free loopback port with a CA
# and a certificate for "localhost" made at test time by tests/nginx/start_nginx.sh.
require_relative "test_helper"
require "tmpdir"
require "open3"
require "rbconfig"

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
      pid = Process.spawn("sh", SCRIPT, dir, port.to_s,
                          out: File::NULL, err: File.join(dir, "start.err"))
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
          raise "nginx did not start: #{begin
            File.read(File.join(dir, 'start.err'))
          rescue StandardError
            '?'
          end}"
        end
        if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
          raise "nginx did not listen on #{port} within 15 s"
        end

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

# C23 with TLS (issue 13.1): a process that exits with 300 HTTPS requests in flight (plus timers
# and an unread stream) exits with status 0, never a signal, by exit and by exit!. The crash was
# a race (OpenSSL's exit cleanup under a handshake on the loop thread): each path runs 20 times,
# with a random 0-40 ms pause between submitting and exiting.
class TestExitWithHTTPS < Minitest::Test
  SCRIPT = <<~RUBY
    require "oneloop"
    port, ca, how, seed = ARGV[0].to_i, ARGV[1], ARGV[2], ARGV[3].to_i
    rng = Random.new(seed)
    url = "https://localhost:\#{port}/hello.txt"
    held = Array.new(300) { |i| i.odd? ? OneLoop.http.submit(url, ca_file: ca) : OneLoop.http.submit(url) }
    held += Array.new(20) { OneLoop.timer(rng.rand(60) / 1000.0) }
    held << OneLoop.http.open_stream("https://localhost:\#{port}/100k.bin", ca_file: ca)
    sleep(rng.rand(41) / 1000.0)
    how == "exit!" ? exit!(0) : exit(0)
  RUBY

  def exits_cleanly_every_time(how)
    port, ca = Nginx.server
    failed = (1..20).filter_map do |seed|
      _out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../lib", __dir__),
                                         "-e", SCRIPT, port.to_s, ca, how, seed.to_s)
      [seed, status.inspect, err[-300..] || err] unless status.success?
    end
    assert_empty failed, "#{failed.size} of 20 runs failed (seed, status, stderr)"
  end

  def test_C23_exit_with_300_https_requests_in_flight_never_crashes
    exits_cleanly_every_time("exit")
  end

  def test_C23_exit_bang_with_300_https_requests_in_flight_never_crashes
    exits_cleanly_every_time("exit!")
  end
end
