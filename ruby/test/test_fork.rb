# frozen_string_literal: true

require "test_helper"

# Puma/Unicorn preload: a child that forks after the parent used oneloop just works (C22).
class TestFork < Minitest::Test
  def test_C22_child_after_parent_used_oneloop
    assert_equal 200, OneLoop.http.get(url("/json")).status
    pending_in_parent = OneLoop.timer(3600)
    settled_in_parent = OneLoop.timer(0)
    settled_in_parent.wait
    reader, writer = IO.pipe
    pid = fork do
      # exit! always: the child must never fall through into minitest's at_exit runner
      reader.close
      out = []
      out << OneLoop.http.get(url("/bytes/7")).body.bytesize
      out << OneLoop.http.gather([url("/bytes/1"), url("/bytes/2")]).map { |r| r.body.bytesize }
      out << OneLoop.sleep(0.01)
      out << settled_in_parent.value
      out << (begin; pending_in_parent.value; rescue OneLoop::ForkedError => e; e.class.name; end)
      writer.write(Marshal.dump(out))
    rescue Exception => e # rubocop:disable Lint/RescueException
      writer.write(Marshal.dump([:child_failed, e.class.name, e.message]))
    ensure
      writer.close
      exit!(0)
    end
    writer.close
    result = Marshal.load(reader.read)
    _, status = Process.wait2(pid)
    assert status.success?
    assert_equal [7, [1, 2], 0.01, 0, "OneLoop::ForkedError"], result
    pending_in_parent.cancel
    assert_equal 200, OneLoop.http.get(url("/json")).status, "the parent goes on"
  end
end
