#!/usr/bin/env bash
# Heap allocations per request on the whole server path: the release server runs under
# valgrind's DHAT, a single connection sends SETs or GETs over 1,000 existing jobs, and the
# difference in allocated blocks against an idle run is divided by the request count.
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
printf '[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "memory"\n' "$PORT" >"$WORK/k.toml"

# run MIX SECONDS: prints "<blocks> <requests>"
run() {
    local mix=$1 seconds=$2 requests=0
    valgrind --tool=dhat --dhat-out-file="$WORK/dhat.out" "$WORK/kairos" -c "$WORK/k.toml" 2>"$WORK/dhat.log" &
    SERVER_PID=$!
    "$LOADGEN" --port "$PORT" --wait-ready 60 -c 1 -p 1 -d 0.1 --warmup 0 --mix stat=100 >/dev/null
    if [[ $mix != idle ]]; then
        "$LOADGEN" --port "$PORT" -c 1 -p 32 --fill 1000 --keys 1000 >/dev/null
        requests=$("$LOADGEN" --port "$PORT" -c 1 -p 32 -d "$seconds" --warmup 0 --keys 1000 --mix "$mix" |
            awk '$1 == "requests" { print $2 }')
        requests=$((requests + 1000))
    fi
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=""
    local blocks
    blocks=$(sed -nE 's/.*Total: +[0-9,]+ bytes in ([0-9,]+) blocks.*/\1/p' "$WORK/dhat.log" | tr -d ,)
    echo "$blocks $requests"
}

read -r idle _ < <(run idle 0)
for mix in set=100 get=100; do
    read -r blocks requests < <(run "$mix" 5)
    awk -v m="$mix" -v b="$blocks" -v i="$idle" -v r="$requests" \
        'BEGIN { printf "%-8s %d requests, %d blocks (idle run %d): %.2f allocations per request\n", m, r, b, i, (b - i) / r }'
done
