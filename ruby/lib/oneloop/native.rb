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
    if version / 100 != header_version / 100
      raise LoadError, "oneloop: extension built for #{header_version}, library is #{version}"
    end
  end
end
