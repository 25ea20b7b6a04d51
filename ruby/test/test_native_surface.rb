# frozen_string_literal: true

require "test_helper"

# OneLoop::Native is generated from the public headers (bindings/oneloop.i): what Ruby sees is
# the list in bindings/ruby/functions.i and handles.i, and nothing that blocks with the GVL
# held (the blocking C calls are reachable only through the hand-written GVL-free waits).
class TestNativeSurface < Minitest::Test
  N = OneLoop::Native

  MODULE_FUNCTIONS = %i[
    dispose future_wait http_job_new http_submit http_submit_batch iter_next job_submit
    job_submit_batch job_submit_iter job_timer_new loop_stats notifier_new on_loop_thread
    response_body response_discard_body response_effective_url response_header_at
    response_header_count response_http_version response_status response_timing strerror
    version version_string wait_all wait_any
  ].freeze

  def test_module_functions_are_the_listed_ones
    assert_equal MODULE_FUNCTIONS, N.singleton_methods.sort
  end

  def test_handle_methods_bind_the_c_api
    assert_equal %i[cancel error_message state status value_int], own_methods(N::Future)
    assert_equal %i[buffered error_message], own_methods(N::Iter)
    assert_equal %i[drain fd post watch watch_iter], own_methods(N::Notifier)
    assert_equal %i[set_bytes set_int set_str], own_methods(N::Job)
  end

  def test_a_failed_status_raises_its_error_class
    job = N.http_job_new(nil, "http://127.0.0.1:1/")
    err = assert_raises(OneLoop::InvalidError) { job.set_int(N::OL_HTTP_TIMEOUT_MS, -1) }
    assert_equal N::OL_EINVAL, err.code
  end

  def test_a_submitted_job_is_consumed
    job = N.job_timer_new(0)
    assert_equal 0, OneLoop::Future.from_native(N.job_submit(job)).value
    assert_raises(TypeError) { N.job_submit(job) }
  end

  private

  def own_methods(klass)
    klass.public_instance_methods(false).sort
  end
end
