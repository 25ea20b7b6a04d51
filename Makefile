# oneloop: the two Quick start commands and the steps behind them.
#   make demo   runs the main demo (installs what it needs)
#   make test   builds everything and runs every test suite (installs what it needs)
#   make test-curl8   the core and HTTP tests again, against libcurl 8 from bookworm-backports
#   make test-python-versions   the Python suite again on CPython 3.12 and 3.13 (pyenv)
#   make lint    checks every language's layout and lint rules (fails on findings)
#   make format  rewrites the layout (clang-format, ruff, RuboCop's layout cops)
#   make docs    regenerates docs/architecture.svg from docs/architecture.dot (Graphviz)
BUILD ?= $(CURDIR)/build
CURL8_BUILD ?= $(CURDIR)/build-curl8
JOBS ?= 2
export ONELOOP_BUILD_DIR := $(BUILD)

.PHONY: all deps build demo test test-core test-python test-ruby test-node \
        test-python-versions test-sanitizers test-asan test-tsan test-curl8 fuzz bench lint \
        format docs clean

all: build

deps:
	./scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONELOOP_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	./python/run_demo.sh

test: build test-core test-python test-ruby test-node

test-core:
	cd $(BUILD) && ctest --output-on-failure

test-python:
	./python/run_tests.sh

# make test runs the Python suite on python3 (Debian 12: 3.11); CI runs it on these too. Each
# version gets its own venv (python/.venv-X.Y) and its own build of the extension.
PYTHON_VERSIONS ?= 3.12 3.13
test-python-versions:
	for v in $(PYTHON_VERSIONS); do PYTHON=$$v ./python/run_tests.sh || exit 1; done

test-ruby:
	./ruby/run_tests.sh

test-node:
	./node/run_tests.sh

# The core's and HTTP tests against a second libcurl: Debian 12 ships 7.88, bookworm-backports
# 8.x. scripts/curl_backports.sh unpacks it into $(CURL8_BUILD)/prefix (nothing is installed);
# the build's RUNPATH makes the tests load it, which curl_version_check proves.
test-curl8: deps
	prefix=$$(./scripts/curl_backports.sh $(CURL8_BUILD)) && \
	cmake -S . -B $(CURL8_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONELOOP_WERROR=ON \
	  -DONELOOP_BINDINGS=OFF -DONELOOP_BENCH=OFF -DCMAKE_PREFIX_PATH="$$prefix" >/dev/null
	cmake --build $(CURL8_BUILD) -j$(JOBS)
	ldd $(CURL8_BUILD)/core/liboneloop.so | grep libcurl
	$(CURL8_BUILD)/tests/curl_version_check "$$(cat $(CURL8_BUILD)/prefix/VERSION)"
	cd $(CURL8_BUILD) && ctest --output-on-failure

# The core's tests again under AddressSanitizer+UBSan and ThreadSanitizer (CI runs these).
test-sanitizers: test-asan test-tsan

test-asan: deps
	./scripts/sanitize.sh address,undefined

test-tsan: deps
	./scripts/sanitize.sh thread

fuzz: deps
	./tests/fuzz/run_fuzz.sh

# Formatters and linters (scripts/lint.sh): clang-format-14, ruff, RuboCop, ESLint.
lint: deps
	./scripts/lint.sh

format: deps
	./scripts/lint.sh --fix

bench: build
	$(BUILD)/bench/bench_core
	$(BUILD)/bench/bench_http

# The picture of docs/architecture.md, from its Graphviz source (Debian's graphviz package).
docs: docs/architecture.svg

docs/architecture.svg: docs/architecture.dot
	dot -Tsvg $< -o $@

clean:
	rm -rf $(BUILD) $(CURDIR)/build-asan $(CURDIR)/build-tsan $(CURL8_BUILD)
