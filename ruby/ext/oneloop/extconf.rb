# frozen_string_literal: true

# Builds OneLoop::Native when the gem is installed: runs SWIG on bindings/oneloop.i into the
# build directory (the wrapper is a build product) and links the SHARED liboneloop (one
# executor per process: C25). In the repository the CMake target oneloop_ruby builds it.
#
# Where the core comes from, first match wins:
#   ONELOOP_BUILD_DIR=<cmake build dir>   headers from <repo>/core/include, lib from <dir>/core
#   --with-oneloop-dir / --with-oneloop-include / --with-oneloop-lib
#   pkg-config oneloop
require "mkmf"

here = File.expand_path(__dir__)
repo = File.expand_path("../../..", here)
# In the repository the interface is in bindings/; a packaged gem carries a copy in swig/.
swig_dir = [File.join(repo, "bindings"), File.join(here, "swig")].find do |d|
  File.exist?(File.join(d, "oneloop.i"))
end or abort "oneloop.i not found (bindings/ or ext/oneloop/swig/)"

build_dir = ENV.fetch("ONELOOP_BUILD_DIR", nil)
if build_dir && !build_dir.empty?
  inc = File.join(repo, "core", "include")
  lib = File.join(build_dir, "core")
  $INCFLAGS << " -I#{inc}"
  $LDFLAGS << " -L#{lib} -Wl,-rpath,#{lib}"
else
  inc, lib = dir_config("oneloop")
  pkg_config("oneloop") unless inc
  inc ||= Array(inc).first
  $LDFLAGS << " -Wl,-rpath,#{lib}" if lib
end

abort "oneloop.h not found" unless find_header("oneloop.h", *[inc].compact)
abort "liboneloop.so not found" unless have_library("oneloop", "ol_loop_default", "oneloop.h")
find_executable("swig") or abort "swig not found (apt-get install swig)"

include_flags = [inc, File.join(repo, "core", "include")].compact.uniq.map { |d| "-I#{d}" }
swig = ["swig", "-ruby", *include_flags, "-I#{swig_dir}", "-o", "oneloop_wrap.c",
        File.join(swig_dir, "oneloop.i")]
system(*swig) or abort "swig failed: #{swig.join(' ')}"

# SWIG names the init function after the module's last part (Init_Native); the file is
# oneloop_native.so, so rename the symbol Ruby looks for.
$defs << "-DInit_Native=Init_oneloop_native"
$CFLAGS << " -std=gnu11 -Wall -Wno-unused-parameter -Wno-unused-function"
$srcs = ["oneloop_wrap.c"]
create_makefile("oneloop/oneloop_native")
