# The CFFI extension is declared here (pyproject.toml holds everything else). The build
# directory is keyed by the core build it links against, so switching ONELOOP_BUILD_DIR never
# reuses an extension linked (rpath) to another build.
import hashlib
import os

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
core_build = os.path.abspath(os.environ.get("ONELOOP_BUILD_DIR", os.path.join(HERE, "..", "build")))
key = hashlib.sha1(core_build.encode()).hexdigest()[:12]

setup(
    cffi_modules=["oneloop_build.py:ffibuilder"],
    options={"build": {"build_base": os.path.join("build", key)}},
)
