# frozen_string_literal: true

require_relative "lib/oneloop/version"

# Build: ruby/build_gem.sh (copies the SWIG interface from bindings/ into ext/oneloop/swig/).
# Install needs swig and liboneloop (pkg-config oneloop, or --with-oneloop-dir=PREFIX).
Gem::Specification.new do |s|
  s.name = "oneloop"
  s.version = OneLoop::VERSION
  s.summary = "One native I/O executor per process: HTTP and timers for every Ruby thread"
  s.description = "Ruby binding (SWIG) of oneloop: futures, batches and streams over a " \
                  "process-wide libuv + libcurl executor. Waits release the GVL, work under " \
                  "a Fiber scheduler and survive fork."
  s.authors = ["oneloop contributors"]
  s.license = "MIT"
  s.required_ruby_version = ">= 3.1"
  s.files = Dir["lib/**/*.rb", "ext/oneloop/extconf.rb", "ext/oneloop/swig/**/*.i",
                "example/*.rb", "README.md"]
  s.extensions = ["ext/oneloop/extconf.rb"]
  s.require_paths = ["lib"]
end
