# frozen_string_literal: true

# Loads the SWIG-generated extension and checks it matches the library it is linked to.
begin
  require "oneloop/oneloop_native"
rescue LoadError
  # Not installed: the build directory named by ONELOOP_RUBY_EXT_DIR (tests, development).
  dir = ENV.fetch("ONELOOP_RUBY_EXT_DIR", nil) or raise
  require File.join(File.expand_path(dir), "oneloop_native")
end

module OneLoop
  module Native
    if version / 100 != OL_VERSION_NUMBER / 100
      raise LoadError, "oneloop: extension built for #{OL_VERSION_NUMBER}, library is #{version}"
    end

    # Submit one HTTP request (parts: what Request.build returns): a Future, or with a capacity
    # (bytes, 0 = 1 MiB) a streaming Iter. Raises what the C API refuses (nothing is submitted).
    def self.http_submit(*parts, capacity)
      job = http_job(*parts)
      capacity.nil? ? job_submit(job) : job_submit_iter(job, capacity)
    end

    # Submit many requests made by Request.build with one ol_job_submit_batch, so that they
    # reach the executor together: an Array of Futures. All are built first: nothing is
    # submitted unless everything is.
    def self.http_submit_batch(requests)
      job_submit_batch(requests.map { |parts| http_job(*parts) })
    end

    # A Job from Request.build's parts. What the C API refuses after the Ruby checks is raised
    # by Request.raise_refused for the option being set (key 0: the request line, a header or
    # the body); a job left half built is freed by GC.
    def self.http_job(method, url, headers, body, int_opts, str_opts)
      key = 0
      job = http_job_new(method, url)
      headers&.each { |line| job.set_str(OL_HTTP_HEADER, line) }
      job.set_bytes(OL_HTTP_BODY, body) if body
      int_opts&.each_slice(2) { |k, value| job.set_int(key = k, value) }
      str_opts&.each_slice(2) { |k, value| job.set_str(key = k, value) }
      job
    rescue Error => e
      Request.raise_refused(e.code, key)
    end
    private_class_method :http_job
  end
end
