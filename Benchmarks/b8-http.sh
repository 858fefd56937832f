#!/usr/bin/env bash
# B8 (issue 10), http part: JOBS jobs (default 10,000) due at one instant under an http POST rule
# to a local nginx location that answers 204 (one worker process), executions per second from the
# due instant to the last outcome, next to `wrk -c <concurrency>` POSTing the same body to the
# same URL. Two bursts in one server, so the second shows whether memory grows per run.
#
#   B8_JOBS=N           jobs per burst (default 10000)
#   B8_CONCURRENCY=N    [runner] concurrency and wrk -c (default 16, Kairos's default)
#   KAIROS_BIN=PATH     the kairos binary (default .build/release/kairos)
#
# Every process is started on 127.0.0.1 with a free port and stopped by its PID on exit.
# wrk and kairos each run in a session of their own (setsid), so each gets a scheduling group of
# its own under the kernel's autogroup: when wrk ran in this script's group, the 5 s it spent
# saturating the CPU were paid back by whatever ran in the group next, and Kairos's first burst
# spent most of its time runnable but waiting (0.4-0.5 s of runqueue wait for 0.2 s of CPU,
# /proc/<tid>/schedstat), at a third of the rate of its second burst.
# Prints a Markdown section for BENCHMARKS.md (`make bench` appends it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
JOBS=${B8_JOBS:-10000}
CONC=${B8_CONCURRENCY:-16}
WORK=$(mktemp -d)
PIDS=()

log() { printf '[b8-http %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source=cleanup.sh
source "$ROOT/Benchmarks/cleanup.sh"

# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"

[[ -x $KAIROS ]] || { log "no kairos binary at $KAIROS (swift build -c release --product kairos)"; exit 1; }
for tool in nginx wrk python3; do command -v "$tool" >/dev/null || { log "$tool is missing (make deps)"; exit 1; }; done

# MARK: nginx, one worker, 204 for everything

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    # Kept-alive connections stay open for the whole run (nginx closes them after 1,000
    # requests by default), for wrk and Kairos alike.
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / { return 204; }
    }
}
EOF
nginx -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)
wait_port "$NGINX_PORT"
URL="http://127.0.0.1:$NGINX_PORT/hook"

# MARK: wrk, the ceiling of this nginx for this request

cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"job_id":"b8.1","execution":1}'
wrk.headers["Content-Type"] = "application/json"
EOF
# Run before and again after Kairos's bursts: on a shared machine the ceiling moves by a factor
# of 1.5 within a minute, so the ratio is taken against the mean of the two.
run_wrk() {
    log "wrk -t2 -c$CONC -d5s POST $URL"
    setsid -w wrk -t2 -c"$CONC" -d5s -s "$WORK/post.lua" "$URL" | awk '/^Requests\/sec:/ { print $2 }'
}
WRK_BEFORE=$(run_wrk)

# MARK: kairos

KAIROS_PORT=$(free_port)
cat >"$WORK/kairos.toml" <<EOF
[log]
level = "warn"
[controller]
listen = "127.0.0.1:$KAIROS_PORT"
[database]
persistence = "memory"
[runner]
concurrency = $CONC
EOF
# setsid execs kairos in this process (a background job is no group leader): $! is its PID.
setsid "$KAIROS" server -c "$WORK/kairos.toml" 2>"$WORK/kairos.log" &
KAIROS_PID=$!
PIDS+=($KAIROS_PID)
wait_port "$KAIROS_PORT"

log "kairos: 2 bursts of $JOBS jobs, rule http POST $URL"
RESULT=$(python3 - "$KAIROS_PORT" "$KAIROS_PID" "$JOBS" "$URL" <<'EOF'
import socket, sys, time

port, pid, jobs, url = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conn = socket.create_connection(("127.0.0.1", port))
reader = conn.makefile("rb")

def rss():
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))

def ask(lines):
    conn.sendall("".join(lines).encode())
    return [reader.readline() for _ in lines]

def stat():
    conn.sendall(b"p STAT\n")
    values = {}
    while True:
        parts = reader.readline().decode().split()
        if parts[1] == "OK":
            return values
        values[parts[1]] = parts[2]

assert ask([f"r RULE SET b8 b8. http POST {url}\n"]) == [b"r OK\n"]
figures = []
for burst in (1, 2):
    before = stat()
    done_before = int(before["jobs_executed"]) + int(before["jobs_failed"])
    failed_before = int(before["jobs_failed"])
    due = time.time_ns() + 3_000_000_000
    for start in range(0, jobs, 1000):
        batch = [f"s SET b8.{burst}.{i} {due}\n" for i in range(start, min(jobs, start + 1000))]
        assert all(line == b"s OK\n" for line in ask(batch))
    rss_before = rss()
    while time.time_ns() < due:
        time.sleep(0.001)
    deadline = time.monotonic() + 120
    while True:
        now = stat()
        done = int(now["jobs_executed"]) + int(now["jobs_failed"]) - done_before
        if done >= jobs or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    elapsed = (time.time_ns() - due) / 1e9
    failed = int(now["jobs_failed"]) - failed_before
    figures.append(f"{jobs / elapsed:.0f} {elapsed:.3f} {done} {failed} {rss_before} {rss()}")
print(" ".join(figures))
EOF
)
read -r RATE1 SECS1 DONE1 FAILED1 RSS_A1 RSS_B1 RATE2 SECS2 DONE2 FAILED2 RSS_A2 RSS_B2 <<<"$RESULT"
WRK_AFTER=$(run_wrk)
WRK_RATE=$(python3 -c "print(f'{($WRK_BEFORE + $WRK_AFTER) / 2:.0f}')")

ratio=$(python3 -c "print(f'{$RATE2 / $WRK_RATE:.2f}')")
kib() { python3 -c "print(f'{$1 / 1024:.0f} KiB')"; }
cat <<EOF

## B8, http runner (issue 10)

Written by \`Benchmarks/b8-http.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)\`, load average $(cut -d' ' -f1-3 /proc/loadavg)).
$JOBS jobs due at one instant, rule \`http POST\` to a local nginx (one worker, \`return 204\`);
executions/s = jobs ÷ (last outcome seen by STAT polling every 2 ms − due instant). wrk POSTs the
same JSON body to the same URL with as many connections as \`[runner] concurrency\`, for 5 s before
and 5 s after Kairos's bursts (ratios are to the mean of the two). RSS is the
server's VmRSS once the burst's jobs are set (before) and once its last outcome is in (after).

| Row | Measure | Kairos | Reference client | Kairos ÷ reference, target |
|---|---|---|---|---|
| B8 | http POST → nginx 204, $JOBS jobs, concurrency $CONC: burst 1 | $RATE1 executions/s ($SECS1 s, $DONE1 done, $FAILED1 failed) | wrk -t2 -c$CONC: $WRK_RATE req/s (mean of $WRK_BEFORE before and $WRK_AFTER after the bursts) | $(python3 -c "print(f'{$RATE1 / $WRK_RATE:.2f}')")× |
| B8 | … burst 2 (same server) | $RATE2 executions/s ($SECS2 s, $DONE2 done, $FAILED2 failed) | | ${ratio}× (target ≥ 0.5× wrk) |
| B8 | … server RSS before → after burst 1 | $(kib "$RSS_A1") → $(kib "$RSS_B1") | | |
| B8 | … server RSS before → after burst 2 | $(kib "$RSS_A2") → $(kib "$RSS_B2") | | flat across runs |
EOF
