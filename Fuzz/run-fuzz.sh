#!/usr/bin/env bash
# Builds the fuzzers (release, with libFuzzer and its coverage instrumentation; the C/C++ of TOMLKit's
# toml++ included) and runs each one for FUZZ_SECONDS on a scratch copy of its seed corpus.
# Usage: Fuzz/run-fuzz.sh [target...]   (default: every target). Crashes are saved in Fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(FuzzRequest FuzzHTTPHead FuzzLogDecoder FuzzReplay FuzzAuthFile FuzzConfig)
fi
nice $SWIFT build -c release --sanitize=fuzzer
# Swift's crash backtracer would take the fatal signal before libFuzzer saves the crashing input.
export SWIFT_BACKTRACE=enable=no
mkdir -p artifacts
work=$(mktemp -d "${TMPDIR:-/tmp}/kairos-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
for target in "${TARGETS[@]}"; do
    echo "== $target: ${FUZZ_SECONDS}s"
    mkdir -p "$work/$target"
    # New inputs go to the scratch directory (first argument); the committed seeds stay as they are.
    if ! nice ".build/release/$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
        -artifact_prefix="artifacts/$target-" "$work/$target" "Corpus/$target" 2>"$work/$target.log"; then
        echo "$target FAILED; see the crash input in Fuzz/artifacts/ and this log:"
        tail -n 40 "$work/$target.log"
        status=1
    else
        grep -E "^stat::number_of_executed_units|^Done" "$work/$target.log" || true
    fi
done
exit $status
