"""The compiled CFFI module, checked once at import: header and library must agree."""

from ._native import ffi, lib

HEADER_VERSION: int = lib.OL_VERSION_NUMBER
LIBRARY_VERSION: int = lib.ol_version()

if HEADER_VERSION != LIBRARY_VERSION:
    raise ImportError(
        f"oneloop: compiled against header version {HEADER_VERSION} but liboneloop.so is "
        f"version {LIBRARY_VERSION} ({ffi.string(lib.ol_version_string()).decode()}); "
        "reinstall the package against the library it loads"
    )

__all__ = ["ffi", "lib", "HEADER_VERSION", "LIBRARY_VERSION"]
