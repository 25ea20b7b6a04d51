# frozen_string_literal: true

# Fetch 200 URLs concurrently from 4 Ruby threads, all sharing the process's one executor and
# connection pool. Each thread gathers its 50 requests and waits without holding the GVL.
#   ruby -I ruby/lib ruby/example/fetch_200.rb http://127.0.0.1:PORT
# (start tests/fixture's ol_fixture_server first; it prints the port)
require "oneloop"

base = ARGV.fetch(0) { abort "usage: fetch_200.rb BASE_URL" }
urls = Array.new(200) { |i| "#{base}/bytes/#{100 + i}" }

started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
results = urls.each_slice(50).map do |slice|
  Thread.new { OneLoop.http.gather(slice, timeout: 30) }
end.flat_map(&:value)
elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started

ok, failed = results.partition { |r| r.is_a?(OneLoop::Response) && r.success? }
bytes = ok.sum { |r| r.body.bytesize }
puts format("%d ok, %d failed, %d bytes in %.1f ms", ok.size, failed.size, bytes, elapsed * 1000)
failed.each { |f| puts "  #{f.inspect}" }
puts "executor: #{OneLoop.stats.inspect}"
