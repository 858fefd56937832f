#!/usr/bin/env bash
# A/B of two kairos binaries on the B1 shape (c=50 p=16, 80% SET / 20% GET, memory
# persistence), with Redis (RESP) measured in every round as the yardstick (issue 13).
#
#   Benchmarks/ab-b1.sh OLD_BINARY NEW_BINARY [ROUNDS] [SECONDS]
#   SHAPE=b2 Benchmarks/ab-b1.sh ...     # B2's shape instead: c=1 p=1, SETs only
#
# Each round runs Redis, then the two binaries in alternating order (old first in odd
# rounds, new first in even ones), each a fresh server on a free loopback port, driven by
# the same kairos-loadgen command as run-bench.sh's B1 row with --server-pid. Prints one line
# per run (throughput, server CPU-seconds per million requests, per-thread split) and the
# medians, plus each binary's ratios to the Redis run of the same round.
# Loopback only; every server started here is stopped by its PID.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OLD=$1 NEW=$2 ROUNDS=${3:-3} DUR=${4:-5}
LOADGEN=${LOADGEN:-$ROOT/.build/release/kairos-loadgen}
WORK=$(mktemp -d)
PID=""
log() { echo "$*" >&2; }
# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

jget() {
    local value
    value=$(grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" 2>/dev/null | head -1 | cut -d: -f2-) || true
    value=${value#\"}
    echo "${value%\"}"
}

# run LABEL KIND BINARY: one server, one B1 load run; prints "LABEL rps cpu threads".
run() {
    local label=$1 kind=$2 bin=$3 port
    port=$(free_port)
    if [[ $kind == kairos ]]; then
        printf '[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "memory"\n' "$port" >"$WORK/k.toml"
        "$bin" server -c "$WORK/k.toml" >/dev/null 2>"$WORK/server.err" &
    else
        redis-server --bind 127.0.0.1 --protected-mode no --dir "$WORK" --daemonize no --save '' \
            --appendonly no --port "$port" >/dev/null 2>&1 &
    fi
    PID=$!
    "$LOADGEN" --protocol "$kind" --port "$port" --wait-ready 30 >/dev/null
    local shape=(-c 50 -p 16 --mix set=80,get=20)
    [[ ${SHAPE:-b1} == b2 ]] && shape=(-c 1 -p 1 --mix set=100)
    "$LOADGEN" --json --protocol "$kind" --port "$port" "${shape[@]}" -d "$DUR" --warmup 1 \
        --server-pid "$PID" >"$WORK/run.json" || true
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
    printf '%s %s %s %s p50=%s p99=%s\n' "$label" "$(jget "$WORK/run.json" throughput_rps)" \
        "$(jget "$WORK/run.json" server_cpu_s_per_million)" "$(jget "$WORK/run.json" server_threads | tr -d ' ')" \
        "$(jget "$WORK/run.json" latency_p50_ns)" "$(jget "$WORK/run.json" latency_p99_ns)"
}

echo "round label throughput_rps cpu_s_per_million threads latency_ns  (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for round in $(seq 1 "$ROUNDS"); do
    run redis redis redis-server | sed "s/^/$round /" | tee -a "$WORK/runs"
    if ((round % 2)); then order=(old new); else order=(new old); fi
    for which in "${order[@]}"; do
        bin=$OLD
        [[ $which == new ]] && bin=$NEW
        run "$which" kairos "$bin" | sed "s/^/$round /" | tee -a "$WORK/runs"
    done
done
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
# Medians of each figure, and of each binary's ratio to the Redis run of its own round.
awk '
    { rps[$2] = rps[$2] " " $3; cpu[$2] = cpu[$2] " " $4; r[$1, $2] = $3; c[$1, $2] = $4; rounds[$1] = 1 }
    function med(list,   n, a, i, j, t) {
        n = split(list, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
        for (k in rounds) for (w in rps) if (w != "redis" && r[k, "redis"] > 0) {
            rr[w] = rr[w] " " r[k, w] / r[k, "redis"]; cr[w] = cr[w] " " c[k, w] / c[k, "redis"]
        }
        printf "medians: label throughput_rps cpu_s_per_million throughput/redis cpu/redis\n"
        for (w in rps) printf "median %s %.0f %.3f %s %s\n", w, med(rps[w]), med(cpu[w]),
            (w == "redis") ? "-" : sprintf("%.2f", med(rr[w])), (w == "redis") ? "-" : sprintf("%.2f", med(cr[w]))
    }' "$WORK/runs"
