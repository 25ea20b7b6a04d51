# frozen_string_literal: true

require "test_helper"
require "open3"
require "rbconfig"

# Issue 13, the core runtime seen from Ruby: the executor cannot start when the process is out
# of file descriptors (libuv used to abort the process); the next call tries again.
class TestHardeningRuntime < Minitest::Test
  SCRIPT = <<~RUBY
    require "oneloop"
    Process.setrlimit(:NOFILE, 64, 64)
    fds = []
    begin
      loop { fds << IO.sysopen("/dev/null") }
    rescue SystemCallError
    end
    FREE.times { IO.for_fd(fds.pop).close }
    begin
      OneLoop.timer(0.001).value(10)
      puts "started"
    rescue OneLoop::Error => e
      puts "raised: \#{e.class}: \#{e.message}"
    end
    fds.each { |fd| IO.for_fd(fd).close }
    OneLoop.timer(0.001).value(10)
    puts "ok"
  RUBY

  def test_executor_out_of_descriptors_raises_error_and_recovers
    [0, 1, 2, 4].each do |free|
      out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../lib", __dir__),
                                        "-e", SCRIPT.sub("FREE", free.to_s))
      assert status.success?, "#{free} free: exit status #{status.inspect}, stderr: #{err}"
      first, last = out.lines.map(&:strip)
      assert_equal "ok", last
      next if first == "started"

      assert_match(
        /\Araised: OneLoop::OutOfMemoryError: oneloop: the executor could not start/, first
      )
      assert_match(/file descriptors/, first)
    end
  end
end
