#!/usr/bin/env bash
# `make bench-http` (and the end of `make bench`): B9 of issue 11, the HTTP API under wrk with
# keep-alive, c=50, next to a local nginx (one worker) answering a fixed small JSON body, in the
# same run on the same machine. Writes its section into BENCHMARKS.md, replacing an older one.
#
#   BENCH_QUICK=1       3 s per run instead of 10 s
#   BENCH_OUT=PATH      report to update (default BENCHMARKS.md)
#   BENCH_SKIP_BUILD=1  use the release binary already in .build/release
#   KAIROS_BIN=PATH     the kairos binary to measure
#   BENCH_TLS_PAIRS=N   alternating plain/HTTPS GET pairs after the table (default 3)
#
# Every server listens on 127.0.0.1 with a directory of its own under bench-out/ (not /tmp,
# which may be a tmpfs); their PIDs are recorded and stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
DURATION=$([[ ${BENCH_QUICK:-0} == 1 ]] && echo 3 || echo 10)
mkdir -p "$ROOT/bench-out"
WORK=$(mktemp -d "$ROOT/bench-out/http.XXXXXX")
PIDS=()

log() { printf '[bench-http %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"

for tool in wrk nginx openssl curl; do
    command -v "$tool" >/dev/null || { log "$tool is missing (make deps installs it)"; exit 1; }
done
if [[ ${BENCH_SKIP_BUILD:-0} != 1 && -z ${KAIROS_BIN:-} ]]; then
    log "building the release binary"
    swift build -c release --product kairos >&2
fi

# MARK: servers

# $1 = name, $2 = "tls" or "", $3 = fsync true/false. Sets HTTP_PORT.
start_kairos() {
    local dir="$WORK/$1" tls=$2 fsync=$3
    mkdir -p "$dir"
    HTTP_PORT=$(free_port)
    local extra=""
    if [[ $tls == tls ]]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
            -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
        extra="tls_cert = \"$dir/cert.pem\""$'\n'"tls_key = \"$dir/key.pem\""
    fi
    cat >"$dir/kairos.toml" <<TOML
[log]
level = "warn"
[controller]
listen = "127.0.0.1:$(free_port)"
[database]
persistence = "logfile"
logfile_path = "$dir/logfile"
fsync_on_persist = $fsync
compression_interval = 0
[http]
listen = "127.0.0.1:$HTTP_PORT"
$extra
TOML
    "$KAIROS" server -c "$dir/kairos.toml" 2>"$dir/stderr" &
    PIDS+=($!)
    KAIROS_PID=$!
    wait_port "$HTTP_PORT"
}

start_nginx() {
    local dir="$WORK/nginx"
    mkdir -p "$dir/logs"
    NGINX_PORT=$(free_port)
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            default_type application/json;
            return 200 '{"id":"bench","status":"planned","execution":4102444800000000000}';
        }
    }
}
CONF
    nginx -p "$dir" -c "$dir/nginx.conf" &
    PIDS+=($!)
    wait_port "$NGINX_PORT"
}

# MARK: runs

PUT_SCRIPT="$WORK/put.lua"
cat >"$PUT_SCRIPT" <<'LUA'
wrk.method = "PUT"
wrk.body = '{"execution":4102444800000000000}'
wrk.headers["Content-Type"] = "application/json"
LUA

declare -A RATE=() P50=() P99=() CMD=()

# $1 = row key, then wrk's arguments.
run_wrk() {
    local key=$1
    shift
    local command="wrk -t1 -c50 -d${DURATION}s --latency $*"
    log "$key: $command"
    local output
    output=$($command 2>&1)
    RATE[$key]=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$output")
    P50[$key]=$(awk '$1 == "50%" { print $2 }' <<<"$output")
    P99[$key]=$(awk '$1 == "99%" { print $2 }' <<<"$output")
    CMD[$key]=${command//$WORK\//}
    if grep -q "Non-2xx or 3xx responses" <<<"$output"; then
        log "$key: wrk saw error responses"
        RATE[$key]="n/a (error responses)"
    fi
}

# utime + stime of a process in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after
# the last ')' because the name may hold spaces).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
CLK_TCK=$(getconf CLK_TCK)
declare -A CPU_US=()

# $1 = row key, $2 = server PID, then wrk's arguments. Like run_wrk, and also sets CPU_US[key]:
# CPU microseconds per request of the server and wrk together. On a shared, CPU-bound machine
# the rate follows 1 / that figure, and it moves much less with the other processes.
run_wrk_cpu() {
    local key=$1 pid=$2
    shift 2
    local command="wrk -t1 -c50 -d${DURATION}s $*"
    log "$key: $command"
    local before after output wrk_seconds requests
    before=$(cpu_ticks "$pid")
    # `times` in a subshell that ran only wrk: its second line is wrk's user and system time.
    output=$( ( $command 2>&1; times ) )
    after=$(cpu_ticks "$pid")
    RATE[$key]=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$output")
    requests=$(awk '/requests in/ { print $1 }' <<<"$output")
    wrk_seconds=$(tail -1 <<<"$output" | awk '{ n = split($0, f, " "); s = 0; for (i = 1; i <= n; i++) { split(f[i], p, "m"); s += p[1] * 60 + p[2] } print s }')
    CPU_US[$key]=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v w="$wrk_seconds" -v n="${requests:-0}" \
        'BEGIN { if (n > 0) printf "%.1f", (t / hz + w) * 1e6 / n; else print "n/a" }')
}

start_nginx
run_wrk nginx "http://127.0.0.1:$NGINX_PORT/jobs/bench"

start_kairos plain "" false
curl -fsS -X PUT -d '{"execution":4102444800000000000}' "http://127.0.0.1:$HTTP_PORT/jobs/bench" >/dev/null
run_wrk get "http://127.0.0.1:$HTTP_PORT/jobs/bench"
run_wrk put -s "$PUT_SCRIPT" "http://127.0.0.1:$HTTP_PORT/jobs/bench"

PLAIN_PORT=$HTTP_PORT PLAIN_PID=$KAIROS_PID
start_kairos tls tls false
curl -fsS -k -X PUT -d '{"execution":4102444800000000000}' "https://127.0.0.1:$HTTP_PORT/jobs/bench" >/dev/null
run_wrk https "https://127.0.0.1:$HTTP_PORT/jobs/bench"

# HTTPS against plain GET is a ratio of two runs on a shared machine, so it is measured again in
# alternating pairs (plain, then HTTPS, both servers up) and the median pair ratio reported.
TLS_PAIRS=${BENCH_TLS_PAIRS:-3}
PAIR_RATIOS=() CPU_RATIOS=()
PAIR_ROWS=""
for pair in $(seq 1 "$TLS_PAIRS"); do
    run_wrk_cpu "get$pair" "$PLAIN_PID" "http://127.0.0.1:$PLAIN_PORT/jobs/bench"
    run_wrk_cpu "https$pair" "$KAIROS_PID" "https://127.0.0.1:$HTTP_PORT/jobs/bench"
    r=$(awk -v a="${RATE[https$pair]}" -v b="${RATE[get$pair]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')
    c=$(awk -v a="${CPU_US[https$pair]}" -v b="${CPU_US[get$pair]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", b / a; else print "n/a" }')
    PAIR_RATIOS+=("$r")
    CPU_RATIOS+=("$c")
    PAIR_ROWS+="| $pair | $(awk -v v="${RATE[get$pair]}" 'BEGIN { printf "%.0f", v }')/s, ${CPU_US[get$pair]} µs | $(awk -v v="${RATE[https$pair]}" 'BEGIN { printf "%.0f", v }')/s, ${CPU_US[https$pair]} µs | ${r}× | ${c}× |"$'\n'
    log "HTTPS pair $pair: ${RATE[https$pair]} / ${RATE[get$pair]} = $r; CPU per request ${CPU_US[get$pair]} / ${CPU_US[https$pair]} us = $c"
done
CPU_MEDIAN=$(printf '%s\n' "${CPU_RATIOS[@]}" | grep -E '^[0-9.]+$' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
PAIR_MEDIAN=$(printf '%s\n' "${PAIR_RATIOS[@]}" | grep -E '^[0-9.]+$' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

# MARK: report

ratio() {
    [[ ${1:-} =~ ^[0-9.]+$ && ${2:-} =~ ^[0-9.]+$ ]] || { printf '—'; return; }
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'
}
rate() {
    [[ ${1:-} =~ ^[0-9.]+$ ]] || { printf '%s' "${1:-n/a}"; return; }
    printf '%s/s' "$(awk -v v="$1" 'BEGIN { printf "%.0f", v }' | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')"
}

section=$(
    cat <<MD
## B9: HTTP API under wrk (issue 11)

Written by \`make bench-http\` (Benchmarks/http-bench.sh), also run at the end of \`make bench\`.
wrk 4.1 with keep-alive, one thread, 50 connections, ${DURATION} s per run, against a release
build and, in the same run, nginx $(nginx -v 2>&1 | sed 's/.*\///') (one worker, \`return 200\` of a fixed 64-byte JSON
body, no access log). Kairos: logfile persistence with \`fsync_on_persist = false\`.
Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`;
$(nproc) cores, shared with the load generator (and with whatever else runs on the machine:
compare the ratios, which come from one run, rather than the absolute rates).

| Row | Kairos | latency p50 / p99 | Compared with | Ratio | Target |
|---|---|---|---|---|---|
| GET /jobs/{id} | $(rate "${RATE[get]}") | ${P50[get]:-} / ${P99[get]:-} | nginx $(rate "${RATE[nginx]}") (${P50[nginx]:-} / ${P99[nginx]:-}) | $(ratio "${RATE[get]}" "${RATE[nginx]}") | ≥ 0.5× nginx |
| PUT /jobs/{id} (fsync off) | $(rate "${RATE[put]}") | ${P50[put]:-} / ${P99[put]:-} | nginx $(rate "${RATE[nginx]}") | $(ratio "${RATE[put]}" "${RATE[nginx]}") | ≥ 0.5× nginx |
| HTTPS GET /jobs/{id} | $(rate "${RATE[https]}") | ${P50[https]:-} / ${P99[https]:-} | plain GET $(rate "${RATE[get]}") | $(ratio "${RATE[https]}" "${RATE[get]}") | ≥ 0.6× plain |

Commands: \`${CMD[nginx]}\`; \`${CMD[get]}\`; \`${CMD[put]}\` (put.lua sets method PUT and the body
\`{"execution":4102444800000000000}\`); \`${CMD[https]}\`.

HTTPS against plain GET again, in ${TLS_PAIRS} alternating pairs (plain GET, then HTTPS GET, same
\`wrk -t1 -c50 -d${DURATION}s\`, both servers up). Besides the rates, the CPU time per request of
the server and wrk together (server from /proc, wrk from the shell's \`times\`): on a CPU-bound
shared machine the rate follows its inverse, and it varies far less with the other processes.

| Pair | plain GET | HTTPS GET | rate HTTPS / plain | CPU per request plain / HTTPS |
|---|---|---|---|---|
${PAIR_ROWS}
Median rate ratio **${PAIR_MEDIAN}×**, median CPU ratio **${CPU_MEDIAN}×** (target ≥ 0.6×).
MD
)

# Replace an earlier B9 section (up to the next "## " or "### " heading), or append one.
python3 - "$OUT" "$section" <<'PY'
import re, sys, pathlib
path, section = pathlib.Path(sys.argv[1]), sys.argv[2].rstrip() + "\n"
text = path.read_text() if path.exists() else "# Benchmarks\n"
pattern = re.compile(r"^## B9: HTTP API.*?(?=^#{2,3} |\Z)", re.S | re.M)
if pattern.search(text):
    text = pattern.sub(lambda _: section + "\n", text, count=1)
else:
    text = text.rstrip() + "\n\n" + section
path.write_text(text)
PY
log "B9 written to $OUT"
printf '%s\n' "$section"
