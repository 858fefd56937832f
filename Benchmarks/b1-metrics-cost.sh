#!/usr/bin/env bash
# `make bench-metrics-cost` (and the end of `make bench`): issue 11's cost check, "B1 with
# metrics on stays >= 0.97x B1 with the HTTP listener off". The B1 shape (kairos-loadgen, c=50
# p=16, 80/20 SET/GET, memory persistence) against two servers that differ only in `[http]`:
#   A: `[http] listen` set, and a scraper fetching /metrics once a second during the run;
#   B: no HTTP listener (no exporter exists).
# Runs alternate A, B, A, B, ... in one run (BENCH_PAIRS pairs, default 3), since the machine is
# shared and its speed drifts; every pair and the median of the pair ratios are reported.
# Writes its section into BENCHMARKS.md, replacing an older one.
#
#   BENCH_PAIRS=N       pairs to run (default 3)
#   BENCH_QUICK=1       3 s per run instead of 10 s
#   BENCH_OUT=PATH      report to update (default BENCHMARKS.md)
#   BENCH_SKIP_BUILD=1  use the release binaries already in .build/release
#   KAIROS_BIN=PATH     the kairos binary to measure
#
# Every server listens on 127.0.0.1 with a directory of its own under bench-out/; the PIDs
# started here are recorded and stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
LOADGEN="$ROOT/.build/release/kairos-loadgen"
PAIRS=${BENCH_PAIRS:-3}
DURATION=$([[ ${BENCH_QUICK:-0} == 1 ]] && echo 3 || echo 10)
WARMUP=$([[ ${BENCH_QUICK:-0} == 1 ]] && echo 1 || echo 2)
mkdir -p "$ROOT/bench-out"
WORK=$(mktemp -d "$ROOT/bench-out/metrics-cost.XXXXXX")
PIDS=()

log() { printf '[b1-metrics-cost %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source=cleanup.sh
source "$ROOT/Benchmarks/cleanup.sh"

# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"

command -v curl >/dev/null || { log "curl is missing (make deps installs it)"; exit 1; }
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    log "building the release binaries"
    swift build -c release --product kairos-loadgen >&2
    [[ -n ${KAIROS_BIN:-} ]] || swift build -c release --product kairos >&2
fi

# $1 = name, $2 = "http" or "". Sets PORT, HTTP_PORT (when http) and SERVER_PID.
start_kairos() {
    local dir="$WORK/$1" http=$2
    mkdir -p "$dir"
    PORT=$(free_port)
    {
        printf '[log]\nlevel = "info"\n[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "memory"\n' "$PORT"
        if [[ $http == http ]]; then
            HTTP_PORT=$(free_port)
            printf '[http]\nlisten = "127.0.0.1:%s"\n' "$HTTP_PORT"
        fi
    } >"$dir/kairos.toml"
    "$KAIROS" server -c "$dir/kairos.toml" 2>"$dir/stderr" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_port "$PORT"
    if [[ $http == http ]]; then wait_port "$HTTP_PORT"; fi
}

# Fetches /metrics once a second until killed; counts the scrapes it got.
scraper() {
    local url=$1 count=$2 n=0
    while true; do
        if curl -fsS -o /dev/null "$url"; then n=$((n + 1)); echo "$n" >"$count"; fi
        sleep 1
    done
}

declare -a RATE_A=() RATE_B=() RATIOS=() SCRAPES=() CPU_A=() CPU_B=() CPU_RATIOS=()
LOADGEN_ARGS="-c 50 -p 16 -d $DURATION --warmup $WARMUP --mix set=80,get=20"

# $1 = name; runs the B1 shape against $PORT and prints "<requests/s> <server CPU-s per million>".
run_b1() {
    # shellcheck disable=SC2086
    "$LOADGEN" --json --port "$PORT" --server-pid "$SERVER_PID" $LOADGEN_ARGS >"$WORK/$1.json" 2>"$WORK/$1.err" || true
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r.get("throughput_rps") or "n/a", r.get("server_cpu_s_per_million") or "n/a")' "$WORK/$1.json" 2>/dev/null || echo n/a n/a
}

for pair in $(seq 1 "$PAIRS"); do
    start_kairos "a$pair" http
    echo 0 >"$WORK/a$pair.scrapes"
    scraper "http://127.0.0.1:$HTTP_PORT/metrics" "$WORK/a$pair.scrapes" &
    scraper_pid=$!
    PIDS+=("$scraper_pid")
    read -r a cpu_a < <(run_b1 "a$pair")
    kill "$scraper_pid" 2>/dev/null || true
    wait "$scraper_pid" 2>/dev/null || true
    SCRAPES+=("$(cat "$WORK/a$pair.scrapes")")
    stop_pid "$SERVER_PID"

    start_kairos "b$pair" ""
    read -r b cpu_b < <(run_b1 "b$pair")
    stop_pid "$SERVER_PID"

    RATE_A+=("$a") RATE_B+=("$b") CPU_A+=("$cpu_a") CPU_B+=("$cpu_b")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "n/a" }')
    RATIOS+=("$ratio")
    # CPU per request, B over A: below 1 when metrics make each request cost more server CPU.
    cpu_ratio=$(awk -v a="$cpu_a" -v b="$cpu_b" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", b / a; else print "n/a" }')
    CPU_RATIOS+=("$cpu_ratio")
    log "pair $pair: metrics on $a/s ($cpu_a CPU-s/M, ${SCRAPES[-1]} scrapes), HTTP off $b/s ($cpu_b CPU-s/M), ratio $ratio, CPU ratio $cpu_ratio"
done

median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmt() { [[ $1 =~ ^[0-9.]+$ ]] && awk -v v="$1" 'BEGIN { printf "%.0f", v }' | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' || printf '%s' "$1"; }
MEDIAN=$(median "${RATIOS[@]}")
CPU_MEDIAN=$(median "${CPU_RATIOS[@]}")
log "median ratio $MEDIAN, median CPU ratio $CPU_MEDIAN"

rows=""
for i in "${!RATIOS[@]}"; do
    rows+="| $((i + 1)) | $(fmt "${RATE_A[$i]}")/s, ${CPU_A[$i]} CPU-s/M (${SCRAPES[$i]} scrapes) | $(fmt "${RATE_B[$i]}")/s, ${CPU_B[$i]} CPU-s/M | ${RATIOS[$i]}× | ${CPU_RATIOS[$i]}× |"$'\n'
done
verdict=$(awk -v m="$MEDIAN" 'BEGIN { if (m + 0 >= 0.97) print "met"; else if (m == "n/a") print "not measured"; else print "not met" }')

section=$(
    cat <<MD
## B1 with /metrics scraped (issue 11)

Written by \`make bench-metrics-cost\` (Benchmarks/b1-metrics-cost.sh), also run at the end of
\`make bench\`. The B1 shape against a release build, memory persistence, log level info:
\`kairos-loadgen --port P $LOADGEN_ARGS\`. A: \`[http] listen\` set and \`curl -fsS http://127.0.0.1:H/metrics\`
once a second during the run; B: the same server without \`[http]\`. A and B alternate, pair by
pair, in one run. Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`;
$(nproc) cores shared with the load generator and other processes (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end).

| Pair | A: metrics on, scraped | B: HTTP listener off | rate A / B | server CPU per request B / A |
|---|---|---|---|---|
${rows}
Median rate ratio **${MEDIAN}×** (target ≥ 0.97×: ${verdict}); median CPU-per-request ratio
${CPU_MEDIAN}× (server CPU-seconds per million requests from kairos-loadgen \`--server-pid\`,
which depends less on what else runs on the machine than the rate does).
MD
)

python3 - "$OUT" "$section" <<'PY'
import re, sys, pathlib
path, section = pathlib.Path(sys.argv[1]), sys.argv[2].rstrip() + "\n"
text = path.read_text() if path.exists() else "# Benchmarks\n"
pattern = re.compile(r"^## B1 with /metrics scraped.*?(?=^#{2,3} |\Z)", re.S | re.M)
if pattern.search(text):
    text = pattern.sub(lambda _: section + "\n", text, count=1)
else:
    text = text.rstrip() + "\n\n" + section
path.write_text(text)
PY
log "updated $OUT"
