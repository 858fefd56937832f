#!/usr/bin/env bash
# Recurring jobs at scale (issue 15): the 1M-recurring RSS row and B10. Prints a Markdown section
# for BENCHMARKS.md (`make bench` appends it; `make bench-b10` runs it alone).
#
#   RSS   1,000,000 one-shot jobs (B6's shape) and then 1,000,000 `EVERY 1m` jobs, each set in a
#         fresh server (memory persistence) a day ahead: VmRSS after the fill, back to back. Then
#         the recurring server again with the jobs' first runs spread over one minute starting
#         30 s after the fill began and no rule, so every job falls due once a minute, fails for
#         lack of a rule and is re-planned (16,667 re-plans/s): VmRSS after two minutes of that.
#   B10   10,000 `EVERY 20s` jobs anchored at one instant 3 s ahead under the rule `shell true`:
#         two rounds (the anchor and 20 s later), trigger lateness as the server measures it
#         (printed at shutdown, B7's method), next to B7's burst shape (10,000 one-shot jobs at
#         one instant) in the same run. Target: p99 ≤ 1/framerate (1953 µs at 512), B7's.
#
#   b10-recurring.sh [rss] [churn] [b10]   parts (default: all three)
#   B10_JOBS=N   jobs of B10 and its B7 comparison (default 10000)
#   RSS_JOBS=N   jobs of the RSS rows (default 1000000)
#   KAIROS_BIN=PATH  the kairos binary (default .build/release/kairos)
#
# Every server listens on 127.0.0.1 on a free port and is stopped by its PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
B10_JOBS=${B10_JOBS:-10000}
RSS_JOBS=${RSS_JOBS:-1000000}
FILL="$ROOT/Benchmarks/recurring-fill.py"
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(rss churn b10)
WORK=$(mktemp -d)
PIDS=()

log() { printf '[b10 %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source=cleanup.sh
source "$ROOT/Benchmarks/cleanup.sh"

# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"

[[ -x $KAIROS ]] || { log "no kairos binary at $KAIROS (swift build -c release --product kairos)"; exit 1; }

# Starts a server (memory persistence, log level $1); sets PORT, PID and LOG.
start() {
    PORT=$(free_port)
    LOG="$WORK/kairos.$PORT.log"
    printf '[log]\nlevel = "%s"\n[controller]\nlisten = "127.0.0.1:%s"\n[database]\npersistence = "memory"\n' \
        "$1" "$PORT" >"$WORK/kairos.toml"
    "$KAIROS" server -c "$WORK/kairos.toml" 2>"$LOG" &
    PID=$!
    PIDS+=("$PID")
    wait_port "$PORT"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB (%.1f MB)", k / 1024, k * 1024 / 1e6 }'; }
now_ns() { date +%s%N; }

# One single-line request to the running server; prints its answer line.
ask() {
    python3 -c '
import socket, sys
conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
conn.sendall((sys.argv[2] + "\n").encode())
print(conn.makefile("rb").readline().decode(), end="")' "$PORT" "$1"
}

# Fills the running server; prints the fill's JSON figures.
fill() { python3 "$FILL" "$PORT" "$@"; }

# The server's `trigger lateness:` line (it prints it as it stops), as "p50 / p99 / max µs (count)".
lateness() {
    local line
    line=$(grep -o 'trigger lateness: count=[0-9]* p50_ns=[0-9]* p99_ns=[0-9]* max_ns=[0-9]*' "$LOG" | tail -1 || true)
    [[ -n $line ]] || { echo "n/a (no lateness line)"; return 0; }
    awk -v l="$line" 'BEGIN {
        n = split(l, f, /[ =]/)
        for (i = 1; i < n; i++) v[f[i]] = f[i + 1]
        printf "p50 %.1f µs, p99 %.1f µs, max %.1f µs (%d triggers)", v["p50_ns"] / 1e3, v["p99_ns"] / 1e3, v["max_ns"] / 1e3, v["count"]
    }'
}

ROWS=()

part_rss() {
    local day one every
    day=$(($(now_ns) + 86400000000000))
    start info
    log "RSS: $RSS_JOBS one-shot jobs"
    one=$(fill "$RSS_JOBS" "$day")
    local one_kib
    one_kib=$(rss_kib "$PID")
    stop_pid "$PID"
    start info
    log "RSS: $RSS_JOBS EVERY 1m jobs"
    every=$(fill "$RSS_JOBS" "$day" EVERY 1m)
    local every_kib
    every_kib=$(rss_kib "$PID")
    stop_pid "$PID"
    ROWS+=("| B6r | $RSS_JOBS one-shot jobs a day ahead (B6's shape), server RSS after the fill | $(mib "$one_kib") | fill: $one |")
    ROWS+=("| B6r | $RSS_JOBS \`EVERY 1m\` jobs a day ahead, server RSS after the fill | $(mib "$every_kib") | fill: $every; $(awk -v a="$every_kib" -v b="$one_kib" -v n="$RSS_JOBS" 'BEGIN { printf "%.1f bytes per job over one-shot", (a - b) * 1024 / n }'); target ≤ 200 MB |")
}

part_churn() {
    local first step=$((60000000000 / RSS_JOBS)) before after info
    start error
    first=$(($(now_ns) + 30000000000))
    log "churn: $RSS_JOBS EVERY 1m jobs, first runs spread over one minute from $first"
    fill "$RSS_JOBS" "$first" "$step" EVERY 1m >/dev/null
    before=$(rss_kib "$PID")
    # Two full minutes of runs after the first one starts.
    while (($(now_ns) < first + 150000000000)); do sleep 1; done
    after=$(rss_kib "$PID")
    local last=$((RSS_JOBS - 1))
    info=$(ask "i INFO k$(printf "%0${#last}d" 1)" || true)
    stop_pid "$PID"
    ROWS+=("| B6r | … the same jobs due once a minute each (first runs spread over a minute, no rule: each fails and is re-planned, $((RSS_JOBS / 60)) re-plans/s), RSS after the fill → after 2.5 min | $(mib "$before") → $(mib "$after") | INFO of one job at the end: \`${info%$'\n'}\` |")
}

part_b10() {
    local due one every rule="r RULE SET bench k shell true"
    start info
    ask "$rule" >/dev/null
    due=$(($(now_ns) + 3000000000))
    log "B7 shape: $B10_JOBS one-shot jobs due at one instant"
    one=$(fill "$B10_JOBS" "$due")
    while (($(now_ns) < due + 2000000000)); do sleep 0.2; done
    stop_pid "$PID"
    local b7
    b7=$(lateness)
    start info
    ask "$rule" >/dev/null
    due=$(($(now_ns) + 3000000000))
    log "B10: $B10_JOBS EVERY 20s jobs due at one instant, two rounds"
    every=$(fill "$B10_JOBS" "$due" EVERY 20s)
    while (($(now_ns) < due + 22000000000)); do sleep 0.5; done
    stop_pid "$PID"
    local b10
    b10=$(lateness)
    ROWS+=("| B7 | $B10_JOBS one-shot jobs due at one instant, \`shell true\` (B7's burst, same run) | $b7 | fill: $one |")
    ROWS+=("| B10 | $B10_JOBS \`EVERY 20s\` jobs due at one instant, \`shell true\`, two rounds | $b10 | fill: $every; target p99 ≤ 1953 µs (1/framerate) |")
}

for part in "${PARTS[@]}"; do "part_$part"; done

echo
echo "## Recurring jobs at scale (issue 15): 1M-recurring RSS and B10"
echo
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`Benchmarks/b10-recurring.sh ${PARTS[*]}\` (release build, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end); servers use memory persistence and \`Benchmarks/recurring-fill.py\` sets the jobs over one pipelined connection."
echo
echo "| Row | Case | Figure | Notes |"
echo "|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
