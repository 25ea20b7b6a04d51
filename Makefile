# oneloop: the two Quick start commands and the steps behind them.
#   make demo   runs the main demo (installs what it needs)
#   make test   builds everything and runs every test suite (installs what it needs)
BUILD ?= $(CURDIR)/build
JOBS ?= 2
export ONELOOP_BUILD_DIR := $(BUILD)

.PHONY: all deps build demo test test-core test-python test-ruby test-node \
        test-sanitizers test-asan test-tsan fuzz bench clean

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

test-ruby:
	./ruby/run_tests.sh

test-node:
	./node/run_tests.sh

# The core's tests again under AddressSanitizer+UBSan and ThreadSanitizer (CI runs these).
test-sanitizers: test-asan test-tsan

test-asan: deps
	./scripts/sanitize.sh address,undefined

test-tsan: deps
	./scripts/sanitize.sh thread

fuzz: deps
	./tests/fuzz/run_fuzz.sh

bench: build
	$(BUILD)/bench/bench_core
	$(BUILD)/bench/bench_http

clean:
	rm -rf $(BUILD) $(CURDIR)/build-asan $(CURDIR)/build-tsan
