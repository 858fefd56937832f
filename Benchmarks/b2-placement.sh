#!/usr/bin/env bash
# B2 (c=1 p=1 SET round trip) under each placement of the client and the server's threads on
# the CPUs, for Kairos and Redis: the round trip at c=1 depends more on which threads share a
# CPU than on either server's code (BENCHMARKS.md, "B2: why two tools disagreed").
#
#   Benchmarks/b2-placement.sh            prints a Markdown table (about 40 s once built)
#   B2P_SECONDS=2   measured seconds per cell (plus 0.5 s warm-up)
#   B2P_RT=1        run servers and client under SCHED_FIFO (chrt -f 10): isolates the figures
#                   from other processes on a shared machine, but FIFO never preempts a spinning
#                   thread for another of the same priority, so shared-CPU cells are worst cases
#
# Pinning is done with taskset(1): the client with `taskset -c`, the server's threads by TID
# (Kairos: the main thread `kairos`, which is the core, and `kairos-reactor`; Redis: its main
# thread `redis-server`). Loopback only; both servers are stopped by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
LOADGEN="$ROOT/.build/release/kairos-loadgen"
SECONDS_PER_CELL=${B2P_SECONDS:-2}
[[ -x $KAIROS && -x $LOADGEN ]] || {
    swift build -c release --product kairos --package-path "$ROOT"
    swift build -c release --product kairos-loadgen --package-path "$ROOT"
}
if (($(nproc) < 2)); then
    echo "b2-placement.sh needs at least 2 CPUs" >&2
    exit 1
fi
RT=()
[[ ${B2P_RT:-0} == 1 ]] && RT=(chrt -f 10)

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

KPORT=$(free_port)
printf '[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "memory"\n' "$KPORT" >"$WORK/k.toml"
"${RT[@]}" "$KAIROS" server -c "$WORK/k.toml" >"$WORK/k.out" 2>"$WORK/k.err" &
KPID=$!
PIDS+=("$KPID")
RPORT=$(free_port)
"${RT[@]}" redis-server --port "$RPORT" --bind 127.0.0.1 --protected-mode no --save '' --appendonly no \
    --dir "$WORK" --daemonize no >"$WORK/r.out" 2>&1 &
RPID=$!
PIDS+=("$RPID")
"$LOADGEN" --port "$KPORT" --wait-ready 30 --server-pid "$KPID" >/dev/null
"$LOADGEN" --protocol redis --port "$RPORT" --wait-ready 30 --server-pid "$RPID" >/dev/null

# The TID of the thread called NAME in process PID.
tid() {
    local task
    for task in /proc/"$1"/task/*; do
        [[ $(cat "$task/comm" 2>/dev/null) == "$2" ]] && { echo "${task##*/}"; return 0; }
    done
    return 1
}
KCORE=$(tid "$KPID" kairos)
KREACTOR=$(tid "$KPID" kairos-reactor)
RMAIN=$RPID
ALL="0-$(($(nproc) - 1))"

# p50 / p99 / p99.9 of one B2 run, or the loadgen's failure.
b2() {
    local client_cpus=$1 out
    shift
    out=$("${RT[@]}" taskset -c "$client_cpus" "$LOADGEN" "$@" -c 1 -p 1 -d "$SECONDS_PER_CELL" --warmup 0.5 \
        --mix set=100 --json 2>&1) || { echo "n/a (loadgen failed)"; return 0; }
    python3 -c 'import json, sys
d = json.loads(sys.argv[1])
print("%.1f / %.1f / %.1f µs" % tuple(d[k] / 1e3 for k in ("latency_p50_ns", "latency_p99_ns", "latency_p999_ns")))' "$out"
}

# cell CLIENT KAIROS_CORE KAIROS_REACTOR REDIS: one row; "-" skips Redis.
cell() {
    local label=$1 client=$2 core=$3 reactor=$4 redis=$5 kairos_figure redis_figure="—"
    taskset -pc "$core" "$KCORE" >/dev/null
    taskset -pc "$reactor" "$KREACTOR" >/dev/null
    kairos_figure=$(b2 "$client" --port "$KPORT")
    if [[ $redis != - ]]; then
        taskset -pc "$redis" "$RMAIN" >/dev/null
        redis_figure=$(b2 "$client" --protocol redis --port "$RPORT")
    fi
    printf '| %s | %s | %s |\n' "$label" "$kairos_figure" "$redis_figure"
}

echo "| Placement (CPU numbers; the client is \`kairos-loadgen\`) | Kairos p50 / p99 / p99.9 | Redis p50 / p99 / p99.9 |"
echo "|---|---|---|"
cell "nothing pinned (the kernel's choice)" "$ALL" "$ALL" "$ALL" "$ALL"
cell "client on 0; server threads free" 0 "$ALL" "$ALL" "$ALL"
cell "client 0; every server thread on 0 (one CPU for all)" 0 0 0 0
cell "client 0; every server thread on 1 (Kairos: core and reactor share 1)" 0 1 1 1
cell "client 0; Kairos reactor 0, core 1 (core alone)" 0 1 0 -
cell "client 0; Kairos reactor 1, core 0 (core with the client)" 0 0 1 -
echo
echo "Load average when done: $(cut -d' ' -f1-3 /proc/loadavg); ${SECONDS_PER_CELL} s per cell; scheduling: $([[ ${#RT[@]} -gt 0 ]] && echo 'SCHED_FIFO (B2P_RT=1)' || echo 'normal (CFS)')."
