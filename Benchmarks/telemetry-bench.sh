#!/usr/bin/env bash
# Telemetry cost (issue 12): the B1 shape (kairos-loadgen -c 50 -p 16, 80% SET / 20% GET, memory
# persistence) against Kairos with telemetry off, at sample_ratio 0.01 and at 1.0, the two
# exporting to a local OTLP receiver (Tests/IntegrationTests/Fixtures/otlp_receiver.py, which
# decodes every body with the official opentelemetry-proto package and keeps totals). The three
# modes run one after the other in each pair, the order rotating from pair to pair, a fresh
# server for each run; the report gives every pair and the medians of the per-pair ratios.
#
#   TB_PAIRS=N      pairs (default 3)
#   TB_DURATION=S   measured seconds per run (default 10, after TB_WARMUP=2)
#   KAIROS_BIN=PATH the kairos binary (default .build/release/kairos)
#
# Every process listens on 127.0.0.1 on a free port and is stopped by its PID on exit.
# Prints a Markdown section for BENCHMARKS.md (`make bench` appends it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
LOADGEN=$ROOT/.build/release/kairos-loadgen
RECEIVER=$ROOT/Tests/IntegrationTests/Fixtures/otlp_receiver.py
PAIRS=${TB_PAIRS:-3}
DUR=${TB_DURATION:-10}
WARM=${TB_WARMUP:-2}
WORK=$(mktemp -d)
PIDS=()

log() { printf '[telemetry-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source=cleanup.sh
source "$ROOT/Benchmarks/cleanup.sh"

# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"

for binary in "$KAIROS" "$LOADGEN"; do
    [[ -x $binary ]] || { log "no $binary (swift build -c release --product kairos --product kairos-loadgen)"; exit 1; }
done
python3 -c 'import opentelemetry.proto.collector.trace.v1.trace_service_pb2' 2>/dev/null ||
    { log "python3 opentelemetry-proto is missing (make deps)"; exit 1; }

# Field KEY of a flat JSON object (numbers only).
jnum() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }

# One run: a fresh server in MODE (off, or the sample ratio), the load, SIGTERM (the final
# export), then the receiver's totals. Prints "rps server_cpu_s_per_million dropped spans".
run_mode() {
    local mode=$1 tag=$2
    local dir=$WORK/$tag port receiver_port receiver_pid="" server_pid
    mkdir -p "$dir"
    port=$(free_port)
    {
        printf '[log]\nlevel = "info"\n[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "memory"\n' "$port"
        if [[ $mode != off ]]; then
            receiver_port=$(free_port)
            OTLP_RECEIVER_SUMMARY=1 python3 "$RECEIVER" "$receiver_port" "$dir/otlp.json" >/dev/null 2>"$dir/receiver.err" &
            receiver_pid=$!
            PIDS+=("$receiver_pid")
            wait_port "$receiver_port" >&2
            # The default flush interval (5 s): metrics twice per run plus the shutdown export.
            printf '[telemetry]\nenabled = true\nendpoint = "127.0.0.1:%s"\nsample_ratio = %s\n' "$receiver_port" "$mode"
        fi
    } >"$dir/kairos.toml"
    "$KAIROS" server -c "$dir/kairos.toml" >/dev/null 2>"$dir/kairos.err" &
    server_pid=$!
    PIDS+=("$server_pid")
    "$LOADGEN" --protocol kairos --port "$port" --wait-ready 60 --json >/dev/null 2>&1
    "$LOADGEN" --protocol kairos --port "$port" -c 50 -p 16 -d "$DUR" --warmup "$WARM" --mix set=80,get=20 \
        --server-pid "$server_pid" --json >"$dir/load.json" 2>"$dir/load.err"
    stop_pid "$server_pid"
    local dropped="-" spans="-"
    if [[ -n $receiver_pid ]]; then
        stop_pid "$receiver_pid"
        dropped=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"].get("kairos.telemetry.dropped", "?"))' "$dir/otlp.json" 2>/dev/null || echo "?")
        spans=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["spans"])' "$dir/otlp.json" 2>/dev/null || echo "?")
    fi
    echo "$(jnum "$dir/load.json" throughput_rps) $(jnum "$dir/load.json" server_cpu_s_per_million) $dropped $spans"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

MODES=(off 0.01 1.0)
ROWS=()
R001=()
R1=()
C001=()
C1=()
for pair in $(seq 1 "$PAIRS"); do
    declare -A rps=() cpu=() dropped=() spans=()
    # Rotate the order so no mode always runs first (or right after a build step).
    order=("${MODES[@]:$(((pair - 1) % 3))}" "${MODES[@]:0:$(((pair - 1) % 3))}")
    for mode in "${order[@]}"; do
        log "pair $pair: telemetry $mode"
        read -r rps[$mode] cpu[$mode] dropped[$mode] spans[$mode] < <(run_mode "$mode" "p$pair-$mode")
    done
    R001+=("$(ratio "${rps[0.01]}" "${rps[off]}")")
    R1+=("$(ratio "${rps[1.0]}" "${rps[off]}")")
    C001+=("$(ratio "${cpu[0.01]}" "${cpu[off]}")")
    C1+=("$(ratio "${cpu[1.0]}" "${cpu[off]}")")
    ROWS+=("| $pair | ${order[*]} | ${rps[off]%.*} | ${rps[0.01]%.*} (${R001[-1]}×) | ${rps[1.0]%.*} (${R1[-1]}×) | ${cpu[off]} / ${cpu[0.01]} / ${cpu[1.0]} | ${spans[0.01]} / ${spans[1.0]} | ${dropped[0.01]} / ${dropped[1.0]} |")
    unset rps cpu dropped spans
done

cat <<EOF

## Telemetry cost on B1 (issue 12, Benchmarks/telemetry-bench.sh)

\`kairos-loadgen --protocol kairos -c 50 -p 16 -d $DUR --warmup $WARM --mix set=80,get=20\` against a
fresh \`kairos server\` (memory persistence, \`log.level = "info"\`) per run: telemetry off, or
\`[telemetry] enabled = true\` with \`sample_ratio\` 0.01 or 1.0 exporting to
\`OTLP_RECEIVER_SUMMARY=1 python3 Tests/IntegrationTests/Fixtures/otlp_receiver.py\` on loopback
(default \`flush_interval_ms\`). $PAIRS pairs, the order rotating; ratio = requests/s with telemetry
÷ requests/s without, in the same pair. Server CPU in CPU-seconds per million requests; spans =
request and execution spans the receiver decoded; dropped = \`kairos.telemetry.dropped\` in the
shutdown export. $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD),
load average $(cut -d' ' -f1-3 /proc/loadavg).

| pair | order | off (req/s) | 0.01 | 1.0 | server CPU s/M off / 0.01 / 1.0 | spans 0.01 / 1.0 | dropped 0.01 / 1.0 |
|------|-------|------------:|-----:|----:|------|------|------|
$(printf '%s\n' "${ROWS[@]}")

Median throughput ratio: **$(median "${R001[@]}")×** at sample_ratio 0.01 (target ≥ 0.95×),
**$(median "${R1[@]}")×** at 1.0 (target ≥ 0.8×). Median server-CPU-per-request ratio (telemetry ÷ off,
lower is cheaper): **$(median "${C001[@]}")×** at 0.01, **$(median "${C1[@]}")×** at 1.0. On a busy machine
the throughput of single runs swings by 2× or more either way; the CPU per request, which does
not depend on how much CPU the server was given, is the steadier measure of the cost.
EOF
