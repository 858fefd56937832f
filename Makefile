# Kairos: two commands for a newcomer, `make run` and `make test`.
SWIFT ?= swift
CONFIG ?= config/kairos.toml
RELEASE_BIN := .build/release/kairos
DEBUG_BIN := .build/debug/kairos

.PHONY: deps bench-deps build release run test test-unit test-integration test-tsan test-asan test-cron-large fuzz bench bench-quick bench-micro bench-b8 bench-b8-http bench-b10 bench-http bench-http-deps bench-metrics-cost bench-telemetry clean

# Installs the system packages Kairos needs when they are missing (Debian): OpenSSL, the
# network runners' client libraries, libedit (kairos cli's line editing), and the real peer
# servers the integration tests start.
PACKAGES := libssl-dev openssl libcurl4-openssl-dev libhiredis-dev librabbitmq-dev \
	redis-server rabbitmq-server nginx-light python3 systemd libedit-dev wrk python3-pip tzdata
# croniter (PyPI) is the independent cron implementation the cron tests compare against (issue 15).
CRONITER := croniter==7.0.0
deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@# The HTTP API's tests: HTTPS through curl, /metrics through promtool, /openapi.json through
	@# openapi-spec-validator and a schemathesis contract run (from PyPI; a Debian system Python
	@# refuses pip installs unless told otherwise).
	@if ! command -v curl >/dev/null 2>&1; then \
		echo "installing curl"; \
		apt-get update && apt-get install -y curl; \
	fi
	@if ! command -v promtool >/dev/null 2>&1; then \
		echo "installing prometheus (for promtool)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; \
	fi
	@if ! python3 -c "import openapi_spec_validator" >/dev/null 2>&1; then \
		echo "installing openapi-spec-validator"; \
		python3 -m pip install "openapi-spec-validator==0.9.0" || python3 -m pip install --break-system-packages "openapi-spec-validator==0.9.0"; \
	fi
	@if ! command -v schemathesis >/dev/null 2>&1; then \
		echo "installing schemathesis"; \
		python3 -m pip install "schemathesis==4.32.5" || python3 -m pip install --break-system-packages "schemathesis==4.32.5"; \
	fi
	@# The telemetry tests' OTLP receiver decodes bodies with the official protobuf definitions.
	@python3 -c "import opentelemetry.proto.collector.trace.v1.trace_service_pb2" 2>/dev/null || \
		python3 -m pip install --quiet opentelemetry-proto
	@python3 -c "import croniter" 2>/dev/null || python3 -m pip install --quiet $(CRONITER) \
		|| python3 -m pip install --quiet --break-system-packages $(CRONITER)

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

# The cron comparison with croniter at 100,000 cases instead of make test's 10,000.
test-cron-large: deps
	KAIROS_CRON_CASES=100000 $(SWIFT) test --filter CronOracleTests

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

# make bench also needs redis-benchmark (redis-tools, the cross-check) and valgrind
# (alloc-count.sh), and B8's amqp part the pika client (PyPI) as its reference; make test
# does not, so they are not in PACKAGES.
BENCH_PACKAGES := redis-tools valgrind util-linux
PIKA := pika==1.4.4
bench-deps: deps
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@python3 -c 'import pika' 2>/dev/null || python3 -m pip install --quiet $(PIKA) \
		|| python3 -m pip install --quiet --break-system-packages $(PIKA)

bench: bench-deps bench-http-deps
	Benchmarks/run-bench.sh
	nice Benchmarks/b8-http.sh >> BENCHMARKS.md
	nice Benchmarks/b8-runners.sh >> BENCHMARKS.md
	Benchmarks/b10-recurring.sh >> BENCHMARKS.md
	BENCH_SKIP_BUILD=1 Benchmarks/http-bench.sh
	BENCH_SKIP_BUILD=1 Benchmarks/b1-metrics-cost.sh
	Benchmarks/telemetry-bench.sh >> BENCHMARKS.md

# Recurring jobs at scale (issue 15): 1,000,000 EVERY 1m jobs' RSS next to one-shot ones, a
# minute of re-plans, and B10 (10,000 recurring jobs due in one second) next to B7's burst;
# prints its BENCHMARKS.md section.
bench-b10: release
	Benchmarks/b10-recurring.sh

# B8's http part alone (10,000 webhooks next to wrk); prints its BENCHMARKS.md section.
bench-b8-http: deps release
	nice Benchmarks/b8-http.sh

# All of B8: http (next to wrk), redis RPUSH (next to redis-benchmark), amqp with confirms (next
# to pika) and shell `true`; prints their BENCHMARKS.md sections.
bench-b8: bench-deps bench-http-deps release
	nice Benchmarks/b8-http.sh
	nice Benchmarks/b8-runners.sh

# Telemetry's cost on B1 (issue 12): off / sample_ratio 0.01 / 1.0, alternating; prints its
# BENCHMARKS.md section. Not niced: it measures the request path.
bench-telemetry: deps release
	$(SWIFT) build -c release --product kairos-loadgen
	Benchmarks/telemetry-bench.sh

# B9 alone: the HTTP API under wrk next to nginx; updates its section of BENCHMARKS.md.
bench-http: deps bench-http-deps
	Benchmarks/http-bench.sh

# Issue 11's cost check alone: B1 with /metrics scraped against B1 without the HTTP listener,
# alternating pairs; updates its section of BENCHMARKS.md.
bench-metrics-cost: deps
	Benchmarks/b1-metrics-cost.sh

bench-http-deps:
	@if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then \
		echo "installing wrk and nginx"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk nginx; \
	fi

bench-quick: bench-deps
	BENCH_QUICK=1 Benchmarks/run-bench.sh

# Opt-in micro-benchmarks: a nested package, so ordinary builds never resolve package-benchmark.
bench-micro: deps
	cd Benchmarks/Micro && $(SWIFT) package benchmark

clean:
	rm -rf .build .build-* Fuzz/.build
