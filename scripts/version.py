#!/usr/bin/env python3
"""oneloop's version is written once: OL_VERSION_MAJOR/MINOR/PATCH in
core/include/oneloop/common.h. Everything else takes it from there:

- CMakeLists.txt parses the header (file(STRINGS)); nothing to write.
- OL_VERSION_NUMBER and OL_VERSION_STRING, next to it in the header, and the package files
  that must hold a literal (pyproject reads python/oneloop/__init__.py; the gemspec reads
  ruby/lib/oneloop/version.rb; npm reads node/package.json and its lock file) are generated
  from it by this script.

  scripts/version.py                      print the version
  scripts/version.py --set 0.2.0          write it into the header, then --write
  scripts/version.py --write              regenerate every derived place from the header
  scripts/version.py --check [--cmake V]  fail, naming the file, when a place disagrees
                                          (ctest version_agrees; V is CMake's PROJECT_VERSION)
"""

import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = "core/include/oneloop/common.h"


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(os.path.join(ROOT, path), "w", encoding="utf-8") as f:
        f.write(text)


def header_version():
    text = read(HEADER)
    parts = []
    for name in ("MAJOR", "MINOR", "PATCH"):
        m = re.search(rf"^#define OL_VERSION_{name} (\d+)[ \t]*$", text, re.M)
        if not m:
            sys.exit(f"{HEADER}: no '#define OL_VERSION_{name} <number>' line")
        parts.append(int(m.group(1)))
    return tuple(parts)


def sub_once(path, text, pattern, replacement):
    new, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    if count != 1:
        sys.exit(f"{path}: no line matching {pattern!r}")
    return new


# Each derived place: (file, regex whose group 1 is the version there, replacement maker).
def literal_places(major, minor, patch):
    v = f"{major}.{minor}.{patch}"
    return [
        (
            HEADER,
            r"^#define OL_VERSION_NUMBER (\d+)[ \t]*$",
            f"#define OL_VERSION_NUMBER {major * 10000 + minor * 100 + patch}",
            str(major * 10000 + minor * 100 + patch),
        ),
        (
            HEADER,
            r'^#define OL_VERSION_STRING "([^"]*)"[ \t]*$',
            f'#define OL_VERSION_STRING "{v}"',
            v,
        ),
        (
            "python/oneloop/__init__.py",
            r'^__version__ = "([^"]*)"[ \t]*$',
            f'__version__ = "{v}"',
            v,
        ),
        ("ruby/lib/oneloop/version.rb", r'^  VERSION = "([^"]*)"[ \t]*$', f'  VERSION = "{v}"', v),
    ]


def npm_files():
    """node/package.json's version, and the lock file's two copies of it."""
    pkg = json.loads(read("node/package.json"))
    lock = json.loads(read("node/package-lock.json"))
    return [
        ("node/package.json", pkg["version"]),
        ("node/package-lock.json", lock.get("version")),
        (
            'node/package-lock.json (packages[""])',
            lock.get("packages", {}).get("", {}).get("version"),
        ),
    ]


def write_npm(v):
    # package.json is formatted by hand: only its version line changes. The lock file is npm's
    # own two-space JSON, which json.dumps reproduces.
    path = "node/package.json"
    write(path, sub_once(path, read(path), r'^  "version": "[^"]*",$', f'  "version": "{v}",'))
    lock = json.loads(read("node/package-lock.json"))
    lock["version"] = v
    if "" in lock.get("packages", {}):
        lock["packages"][""]["version"] = v
    write("node/package-lock.json", json.dumps(lock, indent=2, ensure_ascii=False) + "\n")


def check(cmake_version):
    major, minor, patch = header_version()
    v = f"{major}.{minor}.{patch}"
    wrong = []
    for path, pattern, _line, expected in literal_places(major, minor, patch):
        m = re.search(pattern, read(path), re.M)
        found = m.group(1) if m else None
        if found != expected:
            wrong.append(f"{path}: {found!r}, expected {expected!r}")
    for path, found in npm_files():
        if found != v:
            wrong.append(f"{path}: {found!r}, expected {v!r}")
    pyproject = read("python/pyproject.toml")
    if (
        not re.search(r'^dynamic = \["version"\]', pyproject, re.M)
        or 'version = {attr = "oneloop.__version__"}' not in pyproject
    ):
        wrong.append(
            "python/pyproject.toml: must take the version from oneloop.__version__ "
            '(dynamic = ["version"] and [tool.setuptools.dynamic])'
        )
    if "OneLoop::VERSION" not in read("ruby/oneloop.gemspec"):
        wrong.append("ruby/oneloop.gemspec: must take s.version from OneLoop::VERSION")
    if re.search(r"^project\(oneloop VERSION \d", read("CMakeLists.txt"), re.M):
        wrong.append("CMakeLists.txt: repeats the version; it must parse it from the header")
    if cmake_version is not None and cmake_version != v:
        wrong.append(f"CMake's PROJECT_VERSION: {cmake_version!r}, expected {v!r}")
    if wrong:
        print(f"The version is {v} in {HEADER}, but:")
        print("\n".join("  " + w for w in wrong))
        print("Run scripts/version.py --write (or --set X.Y.Z) and commit the result.")
        return 1
    print(f"version {v}: the header, CMake, Python, Ruby and Node agree")
    return 0


def write_all():
    major, minor, patch = header_version()
    for path, pattern, line, _expected in literal_places(major, minor, patch):
        write(path, sub_once(path, read(path), pattern, line))
    write_npm(f"{major}.{minor}.{patch}")


def set_header(v):
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", v)
    if not m:
        sys.exit(f"not a MAJOR.MINOR.PATCH version: {v!r}")
    text = read(HEADER)
    for name, value in zip(("MAJOR", "MINOR", "PATCH"), m.groups(), strict=True):
        text = sub_once(
            HEADER,
            text,
            rf"^#define OL_VERSION_{name} \d+[ \t]*$",
            f"#define OL_VERSION_{name} {int(value)}",
        )
    write(HEADER, text)


def main(argv):
    if not argv:
        print("{}.{}.{}".format(*header_version()))
        return 0
    if argv[0] == "--check":
        cmake_version = argv[2] if argv[1:2] == ["--cmake"] and len(argv) > 2 else None
        return check(cmake_version)
    if argv[0] == "--write":
        write_all()
        return check(None)
    if argv[0] == "--set" and len(argv) == 2:
        set_header(argv[1])
        write_all()
        return check(None)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
