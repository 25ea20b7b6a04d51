# frozen_string_literal: true

# oneloop vs Typhoeus Hydra vs Net::HTTP (8 persistent threads): same fixture server, same run.
# Prints CPU per call (whole process: Ruby threads and the executor thread) and wall per batch,
# for 100 and 1,000 calls, 300 B (/json) and 100 KB (/bytes/102400) bodies. Never asserts.
#   ONELOOP_FIXTURE_SERVER=<path> ruby -I ruby/lib bench/bench_ruby.rb   (see run_ruby.sh)
require "oneloop"
require "net/http"
require "etc"
begin
  require "typhoeus"
rescue LoadError
  warn "typhoeus not installed (apt-get install ruby-typhoeus): skipping Hydra"
end

module Bench
  module_function

  def start_server
    r_in, @stdin_w = IO.pipe
    out_r, out_w = IO.pipe
    @pid = Process.spawn(ENV.fetch("ONELOOP_FIXTURE_SERVER"), in: r_in, out: out_w)
    r_in.close
    out_w.close
    port = Integer(out_r.gets[/PORT (\d+)/, 1])
    at_exit do
      @stdin_w.close
      Process.wait(@pid)
    end
    port
  end

  def cpu = Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID)
  def wall = Process.clock_gettime(Process::CLOCK_MONOTONIC)

  # Median of reps batches: [cpu seconds per call, wall seconds per batch].
  def measure(n, reps)
    samples = Array.new(reps) do
      c0 = cpu
      w0 = wall
      yield
      [(cpu - c0) / n, wall - w0]
    end
    [samples.map(&:first).sort[reps / 2], samples.map(&:last).sort[reps / 2]]
  end
end

class OneLoopClient
  def name = "oneloop gather"
  def batch(urls) = OneLoop.http.gather(urls).each { |r| raise r if r.is_a?(Exception) }
end

class HydraClient
  def initialize = @hydra = Typhoeus::Hydra.new # reused: keeps its connections (best case)
  def name = "Typhoeus Hydra"

  def batch(urls)
    reqs = urls.map { |u| Typhoeus::Request.new(u).tap { |r| @hydra.queue(r) } }
    @hydra.run
    reqs.each { |r| raise "hydra: #{r.response.return_code}" unless r.response.code == 200 }
  end
end

class NetHTTPClient
  THREADS = 8

  def initialize(port)
    @jobs = Queue.new
    @done = Queue.new
    @threads = Array.new(THREADS) do
      Thread.new do
        Net::HTTP.start("127.0.0.1", port) do |http| # persistent connection per thread
          while (path = @jobs.pop)
            res = http.get(path)
            raise "net/http: #{res.code}" unless res.code == "200"
            res.body
            @done << true
          end
        end
      end
    end
  end

  def name = "Net::HTTP x#{THREADS} threads"

  def batch(urls)
    urls.each { |u| @jobs << URI(u).request_uri }
    urls.size.times { @done.pop }
  end
end

# The raw C libcurl multi loop of bench_http (same body and batch size, its own fixture server):
# the CPU floor of any design built on libcurl, Hydra's included. nil when it is not built.
def c_floor_us(body_index, n)
  exe = File.join(ENV.fetch("ONELOOP_BUILD_DIR", ""), "bench", "bench_http")
  return nil unless File.executable?(exe)
  out = IO.popen([exe, "--quick", "--no-mem", "--only", n.to_s, "--body", body_index.to_s,
                  "--requests", [n, 2000].max.to_s], err: File::NULL, &:read)
  m = out.match(/^\S+ \S+\s+#{n} \|\s+([0-9.]+)\s+([0-9.]+)/)
  m && m[2].to_f
end

port = Bench.start_server
base = "http://127.0.0.1:#{port}"
clients = [OneLoopClient.new]
clients << HydraClient.new if defined?(Typhoeus)
clients << NetHTTPClient.new(port)

puts "oneloop #{OneLoop.version}, ruby #{RUBY_VERSION}, #{Etc.nprocessors} CPUs" \
     "#{defined?(Typhoeus) ? ", typhoeus #{Typhoeus::VERSION}" : ''}"
puts format("%-24s %6s %8s %14s %14s %10s %10s", "client", "calls", "body", "CPU us/call",
            "wall ms/batch", "CPU vs OL", "wall vs OL")
[["/json", "300 B"], ["/bytes/102400", "100 KB"]].each_with_index do |(path, label), body_index|
  [100, 1000].each do |n|
    urls = Array.new(n) { base + path }
    reps = n == 100 ? 15 : 5
    conns = nil
    rows = clients.map do |c|
      c.batch(urls) # warm up: connections for the whole batch, code paths
      before = OneLoop.stats[:http_connections]
      row = [c.name, *Bench.measure(n, reps) { c.batch(urls) }]
      conns = (OneLoop.stats[:http_connections] - before) / reps.to_f if c.is_a?(OneLoopClient)
      row
    end
    ol_cpu = rows.first[1]
    ol_wall = rows.first[2]
    rows.each do |name, cpu, wall|
      puts format("%-24s %6d %8s %14.1f %14.2f %10.2f %10.2f", name, n, label, cpu * 1e6,
                  wall * 1e3, cpu / ol_cpu, wall / ol_wall)
    end
    puts format("  (oneloop opened %.0f new connections per batch of %d)", conns, n)
    floor = c_floor_us(body_index, n)
    hydra = rows.find { |name, *| name == "Typhoeus Hydra" }
    next unless floor && hydra
    puts format("  raw C libcurl floor %.1f us/call: Hydra / floor %.2f (the most any " \
                "libcurl-based client can gain over Hydra), Hydra / oneloop %.2f",
                floor, hydra[1] * 1e6 / floor, hydra[1] / ol_cpu)
  end
end
puts "CPU vs OL: the client's CPU per call divided by oneloop's (> 1: oneloop uses less)."
