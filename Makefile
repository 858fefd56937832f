# Kairos: two commands for a newcomer, `make run` and `make test`.
SWIFT ?= swift
CONFIG ?= config/kairos.toml
RELEASE_BIN := .build/release/kairos
DEBUG_BIN := .build/debug/kairos

.PHONY: deps build release run test test-unit test-integration test-tsan test-asan fuzz bench bench-quick bench-micro clean

# Installs the system packages Kairos needs when they are missing (Debian).
deps:
	@if ! dpkg -s libssl-dev >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then \
		echo "installing libssl-dev and openssl"; \
		apt-get update && apt-get install -y libssl-dev openssl; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product kairos

# Builds a release binary and starts the server on its defaults (127.0.0.1:5678).
run: release
	$(RELEASE_BIN) server -c $(CONFIG)

# Unit tests of every module, then integration tests against the real binary.
test: deps
	$(SWIFT) build --product kairos
	$(SWIFT) build --product kairos-loadgen
	.build/debug/kairos-loadgen --self-test
	KAIROS_BINARY=$(abspath $(DEBUG_BIN)) $(SWIFT) test --parallel --num-workers 2

test-unit: deps
	$(SWIFT) test --skip IntegrationTests

# The SPSC ring's two-thread stress test under the thread sanitizer.
test-tsan: deps
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan --filter KairosSyncTests

# The unit tests (not IntegrationTests) under AddressSanitizer, in their own build directory.
# Leak checking is off: LeakSanitizer cannot follow Swift references packed with spare bits, so it
# reports the tests' static data and Foundation's caches as leaks. TLSMemoryTests is skipped: it
# measures glibc's heap (mallinfo2), which ASan's allocator replaces.
test-asan: deps
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --sanitize=address --scratch-path .build-asan \
		--skip IntegrationTests --skip TLSMemoryTests

# Runs each libFuzzer target (nested package Fuzz/) for FUZZ_SECONDS on its seed corpus (Fuzz/Corpus/).
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) Fuzz/run-fuzz.sh

bench: deps
	Benchmarks/run-bench.sh

bench-quick: deps
	BENCH_QUICK=1 Benchmarks/run-bench.sh

# Opt-in micro-benchmarks: a nested package, so ordinary builds never resolve package-benchmark.
bench-micro: deps
	cd Benchmarks/Micro && $(SWIFT) package benchmark

clean:
	rm -rf .build .build-* Fuzz/.build
