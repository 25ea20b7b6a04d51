# frozen_string_literal: true

require "test_helper"
require "open3"
require "rbconfig"

# Process exit with jobs in flight: prompt, no crash, no warning (C23).
class TestExit < Minitest::Test
  def test_C23_exit_with_jobs_in_flight
    script = <<~RUBY
      require "oneloop"
      fs = Array.new(20) { OneLoop.http.submit("#{url('/delay/30000')}") }
      t = OneLoop.timer(3600)
      s = OneLoop.http.open_stream("#{url('/chunked/1000/1000?interval=50')}")
      s.head
      puts "in flight \#{OneLoop.stats[:in_flight]}"
    RUBY
    lib = File.expand_path("../lib", __dir__)
    out, err, status = Open3.capture3(RbConfig.ruby, "-I", lib, "-e", script)
    assert status.success?, "exit status #{status.inspect}, stderr: #{err}"
    assert_match(/in flight \d+/, out)
    assert_equal "", err
  end
end
