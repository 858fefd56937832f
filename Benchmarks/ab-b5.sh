#!/bin/bash
# A/B of two kairos binaries on B5's shape (durable SETs, fsync on, c=1 and c=64), alternating
# in each round so that both see the same disk and load. Prints SETs/s and the server's
# CPU-seconds per million requests per run.
# Usage: Benchmarks/ab-b5.sh OLD_BINARY NEW_BINARY [ROUNDS]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OLD=$1 NEW=$2 ROUNDS=${3:-3}
LOADGEN=${LOADGEN:-$ROOT/.build/release/kairos-loadgen}
WORK=$(mktemp -d)
PID=
trap '[[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
log() { printf '[ab-b5 %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"
for round in $(seq 1 "$ROUNDS"); do
    for which in old new; do
        binary=$OLD; [[ $which == new ]] && binary=$NEW
        for c in 1 64; do
            rm -rf "$WORK/run" && mkdir -p "$WORK/run"
            port=$(free_port)
            printf '[controller]\nlisten = "127.0.0.1:%s"\n[log]\nlevel = "warn"\n[database]\npersistence = "logfile"\nlogfile_path = "%s/lf"\nfsync_on_persist = true\n' \
                "$port" "$WORK/run" >"$WORK/run/kairos.toml"
            "$binary" server -c "$WORK/run/kairos.toml" 2>"$WORK/run/stderr" &
            PID=$!
            wait_port "$port" || exit 1
            result=$("$LOADGEN" --json --protocol kairos --port "$port" -c "$c" -p 1 -d 4 --warmup 1 --mix set=100 \
                --server-pid "$PID" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(round(d["throughput_rps"]), d["server_cpu_s_per_million"])')
            echo "round $round $which c=$c: $result SETs/s, CPU-s per million"
            kill "$PID"; wait "$PID" 2>/dev/null; PID=
        done
    done
done
