#!/usr/bin/env bash
# B8 (issue 10), the redis, amqp and shell parts (the http part is b8-http.sh): JOBS jobs
# (default 10,000) due at one instant under one rule, executions per second from the due
# instant to the last outcome, next to a standard client against the same server in the same run:
#
#   redis   rule `redis redis://127.0.0.1:P RPUSH b8` against a redis-server started here,
#           next to `redis-benchmark -c <concurrency> -n <jobs> -t rpush`;
#   amqp    rule `amqp amqp://guest:guest@127.0.0.1:P/ amq.direct b8` (transient queue b8 bound to it)
#           against a private rabbitmq-server node started here, next to one Python pika
#           client publishing the same messages (persistent, mandatory) with confirms;
#   shell   rule `shell true`, the process-runner baseline (no peer).
#
# Each part runs its own kairos server with two bursts, so the second shows whether memory
# grows per run.
#
#   b8-runners.sh [redis] [amqp] [shell]   parts to run (default: all three, in that order)
#   B8_JOBS=N           jobs per burst (default 10000)
#   B8_CONCURRENCY=N    [runner] concurrency and redis-benchmark -c (default 16, Kairos's default)
#   KAIROS_BIN=PATH     the kairos binary (default .build/release/kairos)
#
# Every process is started on 127.0.0.1 with a free port and stopped by its PID on exit (the
# rabbitmq node first with `rabbitmqctl -n NODE stop`). Prints a Markdown section for
# BENCHMARKS.md (`make bench` appends it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
JOBS=${B8_JOBS:-10000}
CONC=${B8_CONCURRENCY:-16}
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(redis amqp shell)
WORK=$(mktemp -d)
PIDS=()
RABBIT_NODE=""
RABBIT_DIR=""
RABBIT_ENV=()

log() { printf '[b8-runners %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_rabbit() {
    [[ -n $RABBIT_NODE ]] || return 0
    env "${RABBIT_ENV[@]}" timeout 30 rabbitmqctl -n "$RABBIT_NODE" stop --timeout 20 >/dev/null 2>&1 || true
    local pid
    pid=$(cat "$RABBIT_DIR/pid" 2>/dev/null || true)
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
    for pid in $RABBIT_SERVER_PID $RABBIT_EPMD_PID; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$RABBIT_DIR"
    RABBIT_NODE=""
}

stop_extra() { stop_rabbit; }
# shellcheck source=cleanup.sh
source "$ROOT/Benchmarks/cleanup.sh"

# shellcheck source=ports.sh
source "$ROOT/Benchmarks/ports.sh"

[[ -x $KAIROS ]] || { log "no kairos binary at $KAIROS (swift build -c release --product kairos)"; exit 1; }
command -v python3 >/dev/null || { log "python3 is missing (make deps)"; exit 1; }

# MARK: the burst driver, shared by every part

# argv: port pid jobs rule-args... ; sets the rule, runs two bursts, prints for each
# "rate seconds done failed rss_before rss_after".
cat >"$WORK/burst.py" <<'EOF'
import socket, sys, time

port, pid, jobs, rule = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
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

answer = ask([f"r RULE SET b8 b8. {rule}\n"])
assert answer == [b"r OK\n"], answer
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

# Starts a kairos server (memory persistence, [runner] concurrency CONC), runs the two bursts
# under rule "$1", stops the server; prints the driver's figures.
kairos_bursts() {
    local port pid result
    port=$(free_port)
    cat >"$WORK/kairos.toml" <<EOF
[log]
level = "warn"
[controller]
listen = "127.0.0.1:$port"
[database]
persistence = "memory"
[runner]
concurrency = $CONC
EOF
    "$KAIROS" server -c "$WORK/kairos.toml" 2>>"$WORK/kairos.log" &
    pid=$!
    PIDS+=("$pid")
    wait_port "$port"
    result=$(python3 "$WORK/burst.py" "$port" "$pid" "$JOBS" "$1")
    stop_pid "$pid"
    echo "$result"
}

kib() { python3 -c "print(f'{$1 / 1024:.0f} KiB')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

# Prints the four table rows of one part: $1 label, $2 reference text, $3 reference rate (or
# empty), $4 target text, then the twelve driver figures.
rows() {
    local label=$1 reference=$2 ref_rate=$3 target=$4
    shift 4
    local r1=$1 s1=$2 d1=$3 f1=$4 a1=$5 b1=$6 r2=$7 s2=$8 d2=$9 f2=${10} a2=${11} b2=${12}
    local q1="" q2=""
    if [[ -n $ref_rate ]]; then q1="$(ratio "$r1" "$ref_rate")× "; q2="$(ratio "$r2" "$ref_rate")× "; fi
    echo "| B8 | $label: burst 1 | $r1 executions/s ($s1 s, $d1 done, $f1 failed) | $reference | $q1|"
    echo "| B8 | … burst 2 (same server) | $r2 executions/s ($s2 s, $d2 done, $f2 failed) | | $q2($target) |"
    echo "| B8 | … server RSS before → after burst 1 | $(kib "$a1") → $(kib "$b1") | | |"
    echo "| B8 | … server RSS before → after burst 2 | $(kib "$a2") → $(kib "$b2") | | flat across runs |"
}

# MARK: redis RPUSH

part_redis() {
    for tool in redis-server redis-benchmark redis-cli; do
        command -v "$tool" >/dev/null || { log "$tool is missing (make deps bench-deps)"; exit 1; }
    done
    local port pid bench result llen
    port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no \
        --dir "$WORK" --logfile "$WORK/redis.log" &
    pid=$!
    PIDS+=("$pid")
    wait_port "$port"
    log "redis-benchmark -c $CONC -n $JOBS -t rpush (port $port)"
    bench=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CONC" -n "$JOBS" -t rpush --csv |
        awk -F, '/RPUSH/ { gsub(/"/, "", $2); print $2 }')
    redis-cli -h 127.0.0.1 -p "$port" DEL b8 >/dev/null
    log "kairos: 2 bursts of $JOBS jobs, rule redis RPUSH"
    result=$(kairos_bursts "redis redis://127.0.0.1:$port RPUSH b8")
    llen=$(redis-cli -h 127.0.0.1 -p "$port" LLEN b8)
    stop_pid "$pid"
    # shellcheck disable=SC2086
    rows "redis RPUSH → redis-server, $JOBS jobs, concurrency $CONC" \
        "redis-benchmark -c $CONC -n $JOBS -t rpush: $bench req/s" "$bench" "target ≥ 0.5× redis-benchmark" $result
    echo "| B8 | … list length after both bursts | $llen (expected $((2 * JOBS))) | | |"
}

# MARK: amqp publish with confirms

start_rabbit() {
    for tool in rabbitmq-server rabbitmqctl epmd; do
        command -v "$tool" >/dev/null || { log "$tool is missing (make deps)"; exit 1; }
    done
    RABBIT_NODE="kairos-b8-$$@localhost"
    # As root the Debian scripts drop to the rabbitmq user: a 0777 directory under /tmp.
    RABBIT_DIR="/tmp/kairos-b8-rabbit-$$"
    rm -rf "$RABBIT_DIR"
    mkdir -p "$RABBIT_DIR"
    chmod 0777 "$RABBIT_DIR"
    : >"$RABBIT_DIR/rabbitmq.conf"
    chmod 0644 "$RABBIT_DIR/rabbitmq.conf"
    RABBIT_PORT=$(free_port)
    local dist epmd_port
    dist=$(free_port)
    epmd_port=$(free_port)
    RABBIT_ENV=(RABBITMQ_NODENAME="$RABBIT_NODE" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
        RABBITMQ_NODE_PORT="$RABBIT_PORT" RABBITMQ_DIST_PORT="$dist" ERL_EPMD_PORT="$epmd_port"
        RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia" RABBITMQ_LOG_BASE="$RABBIT_DIR/log"
        RABBITMQ_PID_FILE="$RABBIT_DIR/pid" RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf")
    # The node's own port mapper in the foreground, so it is stopped by pid (a node that finds
    # none starts a daemon that outlives the script).
    epmd -port "$epmd_port" >/dev/null 2>&1 &
    RABBIT_EPMD_PID=$!
    wait_port "$epmd_port"
    env "${RABBIT_ENV[@]}" rabbitmq-server >/dev/null 2>&1 &
    RABBIT_SERVER_PID=$!
    log "rabbitmq node $RABBIT_NODE starting on port $RABBIT_PORT"
    local deadline=$((SECONDS + 90))
    until env "${RABBIT_ENV[@]}" timeout 20 rabbitmqctl -n "$RABBIT_NODE" await_startup --timeout 10 >/dev/null 2>&1; do
        if ((SECONDS > deadline)) || ! kill -0 "$RABBIT_SERVER_PID" 2>/dev/null; then
            log "rabbitmq node did not start"
            exit 1
        fi
        sleep 0.3
    done
}

part_amqp() {
    python3 -c 'import pika' 2>/dev/null || { log "python3 pika is missing (make bench-deps)"; exit 1; }
    RABBIT_SERVER_PID="" RABBIT_EPMD_PID=""
    start_rabbit
    # The queue both publishers fill (transient: see BENCHMARKS.md); argv: port jobs mode (declare | publish).
    cat >"$WORK/pika_b8.py" <<'EOF'
import sys, time, pika

port, jobs, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
params = pika.ConnectionParameters(host="127.0.0.1", port=port,
                                   credentials=pika.PlainCredentials("guest", "guest"))
conn = pika.BlockingConnection(params)
channel = conn.channel()
if mode == "declare":
    channel.queue_declare("b8", durable=False)
    channel.queue_bind("b8", "amq.direct", "b8")
elif mode == "count":
    print(channel.queue_declare("b8", passive=True).method.message_count)
    channel.queue_purge("b8")
else:
    channel.confirm_delivery()
    persistent = pika.BasicProperties(delivery_mode=2)
    start = time.perf_counter()
    for i in range(jobs):
        # Raises on a nack or a return, so every one of these was confirmed.
        channel.basic_publish("amq.direct", "b8", f"b8.p.{i}".encode(), persistent, mandatory=True)
    elapsed = time.perf_counter() - start
    print(f"{jobs / elapsed:.0f} {elapsed:.3f}")
conn.close()
EOF
    python3 "$WORK/pika_b8.py" "$RABBIT_PORT" "$JOBS" declare
    log "kairos: 2 bursts of $JOBS jobs, rule amqp publish with confirms"
    local result queued pika_rate pika_secs
    result=$(kairos_bursts "amqp amqp://guest:guest@127.0.0.1:$RABBIT_PORT/ amq.direct b8")
    queued=$(python3 "$WORK/pika_b8.py" "$RABBIT_PORT" "$JOBS" count)
    log "pika: $JOBS publishes with confirms"
    read -r pika_rate pika_secs < <(timeout 300 python3 "$WORK/pika_b8.py" "$RABBIT_PORT" "$JOBS" publish)
    stop_rabbit
    # shellcheck disable=SC2086
    rows "amqp publish with confirms → rabbitmq, $JOBS jobs, concurrency $CONC" \
        "pika $(python3 -c 'import pika; print(pika.__version__)') BlockingConnection, confirms: $pika_rate msg/s ($pika_secs s)" \
        "$pika_rate" "target ≥ 5,000 executions/s" $result
    echo "| B8 | … messages in queue b8 after both bursts | $queued (expected $((2 * JOBS))) | | |"
}

# MARK: shell true

part_shell() {
    log "kairos: 2 bursts of $JOBS jobs, rule shell true"
    local result
    result=$(kairos_bursts "shell true")
    # shellcheck disable=SC2086
    rows "shell \`true\` (process-runner baseline), $JOBS jobs, concurrency $CONC" "— (no peer)" "" "baseline" $result
}

OUT=$WORK/rows.md
: >"$OUT"
for part in "${PARTS[@]}"; do
    case $part in
        redis) part_redis >>"$OUT" ;;
        amqp) part_amqp >>"$OUT" ;;
        shell) part_shell >>"$OUT" ;;
        *) log "unknown part $part (redis, amqp, shell)"; exit 2 ;;
    esac
done

cat <<EOF

## B8, redis, amqp and shell runners (issue 10)

Written by \`Benchmarks/b8-runners.sh ${PARTS[*]}\` ($(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)\`, load average $(cut -d' ' -f1-3 /proc/loadavg)).
$JOBS jobs due at one instant per burst, two bursts per kairos server, one server per runner kind;
executions/s = jobs ÷ (last outcome seen by STAT polling every 2 ms − due instant). RSS is the
server's VmRSS once the burst's jobs are set (before) and once its last outcome is in (after).

| Row | Measure | Kairos | Reference client | Kairos ÷ reference, target |
|---|---|---|---|---|
$(cat "$OUT")
EOF
