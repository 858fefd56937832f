#!/usr/bin/env bash
# Heap allocations per request on the whole server path (reactor, rings, core, journal): the
# release server runs under valgrind's DHAT while kairos-loadgen sends SETs or GETs over 1,000
# existing jobs. Each case runs twice, for 2 s and for 6 s; the difference in allocated blocks
# divided by the difference in requests is the cost of a request alone, free of start-up,
# connection set-up and the 1,000 fill SETs that create the jobs.
# Loopback only; every server started here is stopped by its PID.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/.build/release/kairos"
LOADGEN="$ROOT/.build/release/kairos-loadgen"
command -v valgrind >/dev/null || { apt-get update && apt-get install -y valgrind; }
[[ -x "$BIN" && -x "$LOADGEN" ]] || {
    swift build -c release --product kairos --package-path "$ROOT"
    swift build -c release --product kairos-loadgen --package-path "$ROOT"
}
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
# valgrind 3.19 cannot read the DWARF 5 that Swift emits: profile a copy without it.
cp "$BIN" "$WORK/kairos"
strip --strip-debug "$WORK/kairos"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# run PERSISTENCE CONNECTIONS PIPELINE MIX SECONDS: prints "<blocks> <requests>"
run() {
    local persistence=$1 connections=$2 pipeline=$3 mix=$4 seconds=$5 requests
    rm -f "$WORK/k.log"
    if [[ $persistence == memory ]]; then
        printf '[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "memory"\n' "$PORT" >"$WORK/k.toml"
    else
        printf '[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "logfile"\nlogfile_path = "%s"\nfsync_on_persist = true\n' \
            "$PORT" "$WORK/k.log" >"$WORK/k.toml"
    fi
    valgrind --tool=dhat --dhat-out-file="$WORK/dhat.out" "$WORK/kairos" -c "$WORK/k.toml" 2>"$WORK/dhat.log" &
    SERVER_PID=$!
    "$LOADGEN" --port "$PORT" --wait-ready 60 -c 1 -p 1 -d 0.1 --warmup 0 --mix stat=100 >/dev/null
    "$LOADGEN" --port "$PORT" -c 1 -p 32 --fill 1000 --keys 1000 >/dev/null
    requests=$("$LOADGEN" --port "$PORT" -c "$connections" -p "$pipeline" -d "$seconds" --warmup 0 --keys 1000 --mix "$mix" |
        awk '$1 == "requests" { print $2 }')
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=""
    local blocks
    blocks=$(sed -nE 's/.*Total: +[0-9,]+ bytes in ([0-9,]+) blocks.*/\1/p' "$WORK/dhat.log" | tr -d ,)
    echo "$blocks $requests"
}

printf "%-8s %-4s %-4s %-14s %-13s %-13s %s\n" persist c p mix "requests" "blocks" "allocations per extra request"
echo "(requests and blocks: 2 s run / 6 s run)"
for case in "memory 1 32 set=100" "memory 1 32 get=100" "memory 8 1 set=50,get=50" "logfile 1 32 set=100"; do
    read -r persistence connections pipeline mix <<<"$case"
    read -r short_blocks short_requests < <(run "$persistence" "$connections" "$pipeline" "$mix" 2)
    read -r long_blocks long_requests < <(run "$persistence" "$connections" "$pipeline" "$mix" 6)
    awk -v pe="$persistence" -v c="$connections" -v p="$pipeline" -v m="$mix" \
        -v sb="$short_blocks" -v sr="$short_requests" -v lb="$long_blocks" -v lr="$long_requests" \
        'BEGIN { printf "%-8s %-4s %-4s %-14s %5d/%-6d %5d/%-6d %.4f\n", pe, c, p, m, sr, lr, sb, lb, (lb - sb) / (lr - sr) }'
done
