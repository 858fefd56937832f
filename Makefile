# Kairos: two commands for a newcomer, `make run` and `make test`.
SWIFT ?= swift
CONFIG ?= config/kairos.toml
RELEASE_BIN := .build/release/kairos
DEBUG_BIN := .build/debug/kairos

.PHONY: deps bench-deps build release run test test-unit test-integration test-tsan bench bench-quick bench-micro clean

# Installs the system packages Kairos needs when they are missing (Debian): OpenSSL, the
# network runners' client libraries, and the real peer servers the integration tests start.
PACKAGES := libssl-dev openssl libcurl4-openssl-dev libhiredis-dev librabbitmq-dev \
	redis-server rabbitmq-server nginx-light python3 systemd
deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
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

# make bench also needs redis-benchmark (redis-tools, the cross-check) and valgrind
# (alloc-count.sh); make test does not, so they are not in PACKAGES.
BENCH_PACKAGES := redis-tools valgrind util-linux
bench-deps: deps
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

bench: bench-deps
	Benchmarks/run-bench.sh

bench-quick: bench-deps
	BENCH_QUICK=1 Benchmarks/run-bench.sh

# Opt-in micro-benchmarks: a nested package, so ordinary builds never resolve package-benchmark.
bench-micro: deps
	cd Benchmarks/Micro && $(SWIFT) package benchmark

clean:
	rm -rf .build .build-*
