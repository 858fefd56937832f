#!/usr/bin/env bash
# `make bench`: the B1-B7 matrix of issue 5. Kairos and Redis are measured row by row, one after
# the other, by the same client (kairos-loadgen; Redis in RESP, as its own clients speak it), with
# redis-benchmark as a cross-check of the Redis figure, and the figures go to BENCHMARKS.md.
#
#   BENCH_QUICK=1   reduced matrix (under 2 minutes once built)
#   BENCH_OUT=PATH  report path (default BENCHMARKS.md)
#   BENCH_KEEP=1    keep the work directory (configs, server logs, loadgen JSON)
#   BENCH_SKIP_BUILD=1  use the release binaries already in .build/release
#   KAIROS_BIN=PATH  the kairos binary to measure (default .build/release/kairos)
#   BENCH_ALLOC=0|1  run Benchmarks/alloc-count.sh at the end (default: 1, 0 with BENCH_QUICK=1)
#   BENCH_PLACEMENT=0|1  run Benchmarks/b2-placement.sh (B2 per CPU placement; same defaults)
#
# Every server listens on 127.0.0.1 on a free port with a directory of its own; its PID is
# recorded and the EXIT trap stops every recorded PID. What a server cannot report yet is
# written as "n/a (<reason>)", never estimated.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
QUICK=${BENCH_QUICK:-0}
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
LOADGEN="$ROOT/.build/release/kairos-loadgen"
KAIROS=${KAIROS_BIN:-$ROOT/.build/release/kairos}
mkdir -p "$ROOT/bench-out"
# Under the repository rather than /tmp: /tmp may be a tmpfs, where fsync is free and the
# durable rows would measure nothing.
WORK=$(mktemp -d "$ROOT/bench-out/run.XXXXXX")
PIDS=()
COMMANDS=()
declare -A R=()
STARTED_AT=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# MARK: processes

stop_pid() {
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && ((waited < 150)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "PID $pid still running 15 s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nobody listens on, below the ephemeral range that the client's sockets use.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    log "no free port found"
    return 1
}

# MARK: figures

# Field KEY of a flat JSON object written by kairos-loadgen (strings unquoted; null -> empty).
jget() {
    local value
    value=$(grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" 2>/dev/null | head -1 | cut -d: -f2-) || true
    value=${value#\"}
    value=${value%\"}
    [[ $value == null ]] && value=""
    printf '%s' "$value"
}

# Runs kairos-loadgen with --json into $WORK/NAME.json and records the command for the report.
# A run that failed leaves its reason in $WORK/NAME.reason. Exit 3 (the server answered ERROR
# somewhere) still has figures; the errors show in the JSON.
loadgen() {
    local name=$1 status=0 reason
    shift
    COMMANDS+=("kairos-loadgen $*")
    timeout 900 "$LOADGEN" --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" || status=$?
    if [[ $status != 0 && $status != 3 ]]; then
        reason=$(jget "$WORK/$name.json" failure)
        [[ -z $reason ]] && reason=$(tail -1 "$WORK/$name.err" 2>/dev/null || true)
        reason="loadgen exit $status: ${reason:-no output}"
        log "$name: $reason"
        echo "${reason//|//}" >"$WORK/$name.reason"
    fi
    return 0
}

# R[KEY] = field FIELD of run NAME, or n/a with the run's reason.
take() {
    local key=$1 name=$2 field=$3 value
    if [[ -f "$WORK/$name.reason" ]]; then
        R[$key]="n/a ($(cat "$WORK/$name.reason"))"
        return 0
    fi
    value=$(jget "$WORK/$name.json" "$field")
    R[$key]=${value:-"n/a (no $field in the loadgen output)"}
}

na() { R[$1]="n/a (${2//|//})"; }

rss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status" 2>/dev/null || true; }

# utime + stime of a process in clock ticks: fields 14 and 15 of /proc/PID/stat, counted after
# the last ')' because the name in parentheses may hold spaces.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
CLK_TCK=$(getconf CLK_TCK)

# The server-CPU figures of a load run (kairos-loadgen --server-pid): CPU-seconds per million
# requests, share of one core, and the per-thread split.
take_cpu() {
    local key=$1 name=$2 f
    for f in server_cpu_s_per_million server_cpu_percent server_threads; do take "$key.$f" "$name" "$f"; done
}
na_cpu() {
    local f
    for f in server_cpu_s_per_million server_cpu_percent server_threads; do na "$1.$f" "$2"; done
}

# MARK: servers

# Profiles: memory, tls, fsync (durable, fsync per ack), nofsync, bulk (B6: durable files, no
# fsync per write). Kairos gets a generated TOML, Redis the equivalent arguments.
kairos_toml() {
    local name=$1 profile=$2 port=$3
    echo "[log]"
    echo "level = \"info\""
    echo "[controller]"
    echo "listen = \"127.0.0.1:$port\""
    if [[ $profile == tls ]]; then
        echo "tls_cert = \"$WORK/cert.pem\""
        echo "tls_key = \"$WORK/key.pem\""
    fi
    echo "[database]"
    case $profile in
        memory | tls) echo 'persistence = "memory"' ;;
        fsync) printf 'persistence = "logfile"\nlogfile_path = "%s"\nfsync_on_persist = true\n' "$WORK/$name/logfile" ;;
        nofsync | bulk) printf 'persistence = "logfile"\nlogfile_path = "%s"\nfsync_on_persist = false\n' "$WORK/$name/logfile" ;;
    esac
}

redis_args() {
    local name=$1 profile=$2 port=$3
    # --protected-mode no: kairos-loadgen spreads connections over source addresses 127.0.0.2
    # and up, which protected mode (127.0.0.1 and ::1 only) refuses; the bind stays 127.0.0.1.
    local args=(--bind 127.0.0.1 --protected-mode no --dir "$WORK/$name" --daemonize no --maxclients 20000
        --tcp-backlog 4096 --save '')
    case $profile in
        memory) args+=(--port "$port" --appendonly no) ;;
        tls) args+=(--port 0 --tls-port "$port" --tls-cert-file "$WORK/cert.pem" --tls-key-file "$WORK/key.pem"
            --tls-auth-clients no --appendonly no) ;;
        fsync) args+=(--port "$port" --appendonly yes --appendfsync always) ;;
        nofsync) args+=(--port "$port" --appendonly yes --appendfsync no) ;;
        bulk) args+=(--port "$port" --appendonly yes --appendfsync everysec) ;;
    esac
    printf '%s\n' "${args[@]}"
}

# Starts (or, with an existing $WORK/NAME, restarts on the same data and port) one server.
# Sets SERVER_PID and SERVER_PORT; returns 1 with SERVER_REASON when it does not answer.
launch() {
    local kind=$1 name=$2 profile=$3
    if [[ -f "$WORK/$name/port" ]]; then
        SERVER_PORT=$(cat "$WORK/$name/port")
    else
        SERVER_PORT=$(free_port)
        mkdir -p "$WORK/$name"
        echo "$SERVER_PORT" >"$WORK/$name/port"
    fi
    local run=$((${RUNS[$name]:-0} + 1))
    RUNS[$name]=$run
    if [[ $kind == kairos ]]; then
        kairos_toml "$name" "$profile" "$SERVER_PORT" >"$WORK/$name/kairos.toml"
        COMMANDS+=("kairos server -c $name/kairos.toml    # profile $profile")
        PROFILES[$profile]=$(kairos_toml "DIR" "$profile" PORT)
        (cd "$WORK/$name" && exec "$KAIROS" server -c "$WORK/$name/kairos.toml") \
            >"$WORK/$name/stdout.$run" 2>"$WORK/$name/stderr.$run" &
    else
        local args
        mapfile -t args < <(redis_args "$name" "$profile" "$SERVER_PORT")
        COMMANDS+=("redis-server $(printf '%q ' "${args[@]}")   # profile $profile")
        redis-server "${args[@]}" >"$WORK/$name/stdout.$run" 2>"$WORK/$name/stderr.$run" &
    fi
    SERVER_PID=$!
    SERVER_LOG="$WORK/$name/stderr.$run"
    PIDS+=("$SERVER_PID")
    local tls=()
    [[ $profile == tls ]] && tls=(--tls)
    if "$LOADGEN" --protocol "$kind" --port "$SERVER_PORT" "${tls[@]}" --wait-ready 120 --server-pid "$SERVER_PID" --json \
        >"$WORK/$name/ready.$run.json" 2>&1; then
        return 0
    fi
    local last status=""
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" 2>/dev/null || status=$?
        status="exited with status ${status:-0}"
    fi
    last=$(grep -v '^\s*$' "$WORK/$name/stderr.$run" 2>/dev/null | tail -1 || true)
    [[ -z $last ]] && last=$(grep -v '^\s*$' "$WORK/$name/stdout.$run" 2>/dev/null | tail -1 || true)
    [[ -z $last ]] && last=$(jget "$WORK/$name/ready.$run.json" failure)
    SERVER_REASON="$kind ${status:-did not answer}: ${last:0:160}"
    log "$name: $SERVER_REASON"
    stop_pid "$SERVER_PID"
    return 1
}
declare -A RUNS=()
declare -A PROFILES=()

stop_server() { stop_pid "$SERVER_PID"; }

# MARK: matrix

if [[ $QUICK == 1 ]]; then
    WARM=1 DUR=3 SHORT=2 STATDUR=1 TLS_CONNS=2000 B6_JOBS=100000 B7_BURST=2000 B7_STREAM=2000
    B3_SIZES=(10000)
    B5_CONNS=(1 64)
    RB_REQUESTS=500000 RB2_REQUESTS=20000 RB_LOADGEN_S=1
    ALLOC=${BENCH_ALLOC:-0} PLACEMENT=${BENCH_PLACEMENT:-0}
else
    WARM=2 DUR=10 SHORT=5 STATDUR=3 TLS_CONNS=10000 B6_JOBS=1000000 B7_BURST=10000 B7_STREAM=10000
    # The most connections both processes can hold: the hard descriptor limit less what each
    # process needs besides. Kairos keeps 64 descriptors in reserve and refuses connections past
    # the limit minus that (D-limits, ConnectionLimit.reserve); one more is the STAT connection.
    B3_SIZES=(10000 $(($(ulimit -Hn) - 70)))
    B5_CONNS=(1 16 64)
    # About 1-2 s per redis-benchmark test at B1's rate (three pairs), and 5 s at B2's.
    RB_REQUESTS=1500000 RB2_REQUESTS=100000 RB_LOADGEN_S=2
    ALLOC=${BENCH_ALLOC:-1} PLACEMENT=${BENCH_PLACEMENT:-1}
fi

run_b1_b2() {
    local kind=$1 f
    if launch "$kind" "$kind-memory" memory; then
        loadgen "B1-$kind" --protocol "$kind" --port "$SERVER_PORT" -c 50 -p 16 -d "$DUR" --warmup "$WARM" --mix set=80,get=20 \
            --server-pid "$SERVER_PID"
        for f in throughput_rps latency_p50_ns latency_p99_ns client_cpu_percent; do take "B1.$kind.$f" "B1-$kind" "$f"; done
        take_cpu "B1.$kind" "B1-$kind"
        if [[ $kind == redis ]]; then redis_benchmark_b1; fi
        loadgen "B2-$kind" --protocol "$kind" --port "$SERVER_PORT" -c 1 -p 1 -d "$SHORT" --warmup 1 --mix set=100 \
            --server-pid "$SERVER_PID"
        for f in throughput_rps latency_p50_ns latency_p99_ns latency_p999_ns client_cpu_percent; do take "B2.$kind.$f" "B2-$kind" "$f"; done
        take_cpu "B2.$kind" "B2-$kind"
        if [[ $kind == redis ]]; then redis_benchmark_b2; fi
        stop_server
    else
        for f in throughput_rps latency_p50_ns latency_p99_ns client_cpu_percent; do na "B1.$kind.$f" "$SERVER_REASON"; done
        for f in throughput_rps latency_p50_ns latency_p99_ns latency_p999_ns client_cpu_percent; do na "B2.$kind.$f" "$SERVER_REASON"; done
        na_cpu "B1.$kind" "$SERVER_REASON"
        na_cpu "B2.$kind" "$SERVER_REASON"
    fi
    return 0
}

# One redis-benchmark test against the running Redis; sets RB_RPS, RB_P50_NS, RB_P99_NS and
# RB_CPU_S_PER_MILLION (server utime + stime around the run, which includes its 50 connects),
# or RB_REASON. Its CSV line: "SET","rps","avg_ms","min_ms","p50_ms","p95_ms","p99_ms","max_ms".
redis_benchmark() {
    local name=$1 before after line status=0
    shift
    COMMANDS+=("redis-benchmark -h 127.0.0.1 -p PORT $*")
    RB_RPS="" RB_P50_NS="" RB_P99_NS="" RB_CPU_S_PER_MILLION="" RB_REASON=""
    before=$(cpu_ticks "$SERVER_PID")
    timeout 300 redis-benchmark -h 127.0.0.1 -p "$SERVER_PORT" "$@" --csv >"$WORK/$name.csv" 2>"$WORK/$name.err" || status=$?
    after=$(cpu_ticks "$SERVER_PID")
    line=$(grep -v '^"test"' "$WORK/$name.csv" 2>/dev/null | tail -1 | tr -d '"' || true)
    IFS=, read -r _ RB_RPS _ _ RB_P50_NS _ RB_P99_NS _ <<<"$line"
    if [[ $status != 0 ]] || ! is_num "${RB_RPS:-}"; then
        RB_REASON="redis-benchmark exit $status: $(tail -1 "$WORK/$name.err" 2>/dev/null | tr -d '|')"
        log "$name: $RB_REASON"
        return 1
    fi
    RB_P50_NS=$(awk -v v="$RB_P50_NS" 'BEGIN { printf "%.0f", v * 1e6 }')
    RB_P99_NS=$(awk -v v="$RB_P99_NS" 'BEGIN { printf "%.0f", v * 1e6 }')
    local requests
    requests=$(sed -n 's/.*-n \([0-9]*\).*/\1/p' <<<" $* ")
    if is_num "${before:-}" && is_num "${after:-}" && [[ -n $requests ]]; then
        RB_CPU_S_PER_MILLION=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" \
            'BEGIN { printf "%.4f", t / hz / (n / 1e6) }')
    fi
    return 0
}

# The B1 shape with redis-benchmark: SET and GET as two tests (it runs one command per test),
# combined 80/20 as the time the mix takes: 1 / (0.8 / set + 0.2 / get). -d 19 and -r 10000:
# the loadgen's values are 19-digit timestamps over 10,000 keys. Three alternating pairs of a
# short loadgen run and the two redis-benchmark tests, compared by their medians: on a machine
# shared with other work a single pair, seconds apart, compares the load more than the tools.
redis_benchmark_b1() {
    local pair set get blend loadgens=() blends=() cpus=() ratios=()
    for pair in 1 2 3; do
        loadgen "RB1-loadgen-$pair" --protocol redis --port "$SERVER_PORT" -c 50 -p 16 -d "$RB_LOADGEN_S" --warmup 1 \
            --mix set=80,get=20 --server-pid "$SERVER_PID"
        take RB1.loadgen "RB1-loadgen-$pair" throughput_rps
        set="" get=""
        if redis_benchmark "rb-b1-set-$pair" -c 50 -P 16 -t set -n "$RB_REQUESTS" -r 10000 -d 19; then
            set=$RB_RPS R[RB1.set_cpu]=$RB_CPU_S_PER_MILLION
        else
            na RB1.blend_rps "$RB_REASON"
            return 0
        fi
        if redis_benchmark "rb-b1-get-$pair" -c 50 -P 16 -t get -n "$RB_REQUESTS" -r 10000 -d 19; then
            get=$RB_RPS R[RB1.get_cpu]=$RB_CPU_S_PER_MILLION
        else
            na RB1.blend_rps "$RB_REASON"
            return 0
        fi
        is_num "${R[RB1.loadgen]}" || { na RB1.blend_rps "loadgen: ${R[RB1.loadgen]}"; return 0; }
        blend=$(awk -v s="$set" -v g="$get" 'BEGIN { printf "%.1f", 1 / (0.8 / s + 0.2 / g) }')
        loadgens+=("${R[RB1.loadgen]}")
        blends+=("$blend")
        ratios+=("$(awk -v l="${R[RB1.loadgen]}" -v b="$blend" 'BEGIN { printf "%.2f", l / b }')")
        R[RB1.set_rps_$pair]=$set R[RB1.get_rps_$pair]=$get
        is_num "${R[RB1.set_cpu]:-}" && is_num "${R[RB1.get_cpu]:-}" &&
            cpus+=("$(awk -v s="${R[RB1.set_cpu]}" -v g="${R[RB1.get_cpu]}" 'BEGIN { printf "%.4f", 0.8 * s + 0.2 * g }')")
    done
    R[RB1.loadgen_rps]=$(median "${loadgens[@]}")
    R[RB1.blend_rps]=$(median "${blends[@]}")
    ((${#cpus[@]} > 0)) && R[RB1.blend_cpu]=$(median "${cpus[@]}")
    R[RB1.pairs]="$(IFS=/; echo "${loadgens[*]%.*}") loadgen, $(IFS=/; echo "${blends[*]%.*}") redis-benchmark (ratios ${ratios[*]})"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# B2's shape with redis-benchmark: one connection, one request at a time.
redis_benchmark_b2() {
    if redis_benchmark rb-b2 -c 1 -P 1 -t set -n "$RB2_REQUESTS" -r 10000 -d 19; then
        R[RB2.rps]=$RB_RPS R[RB2.p50_ns]=$RB_P50_NS R[RB2.p99_ns]=$RB_P99_NS R[RB2.cpu]=$RB_CPU_S_PER_MILLION
    else
        na RB2.rps "$RB_REASON"
        na RB2.p50_ns "$RB_REASON"
        na RB2.p99_ns "$RB_REASON"
    fi
}

# A fresh server per size, so that its RSS before the connections is a clean baseline.
run_b3() {
    local kind=$1 size f fields=(connect_rate_per_s server_bytes_per_connection stat_p99_ns stat_connections listen_drops)
    for size in "${B3_SIZES[@]}"; do
        if launch "$kind" "$kind-b3-$size" memory; then
            loadgen "B3-$kind-$size" --protocol "$kind" --port "$SERVER_PORT" --connect-only -c "$size" -d "$STATDUR" \
                --server-pid "$SERVER_PID"
            for f in "${fields[@]}"; do take "B3.$size.$kind.$f" "B3-$kind-$size" "$f"; done
            stop_server
        else
            for f in "${fields[@]}"; do na "B3.$size.$kind.$f" "$SERVER_REASON"; done
        fi
    done
}

run_b4() {
    local kind=$1 f
    if launch "$kind" "$kind-tls" tls; then
        loadgen "B4-$kind" --protocol "$kind" --port "$SERVER_PORT" --tls -c 50 -p 16 -d "$DUR" --warmup "$WARM" \
            --mix set=80,get=20 --server-pid "$SERVER_PID"
        for f in throughput_rps latency_p50_ns latency_p99_ns client_cpu_percent; do take "B4.$kind.$f" "B4-$kind" "$f"; done
        take_cpu "B4.$kind" "B4-$kind"
        stop_server
    else
        for f in throughput_rps latency_p50_ns latency_p99_ns client_cpu_percent; do na "B4.$kind.$f" "$SERVER_REASON"; done
        na_cpu "B4.$kind" "$SERVER_REASON"
    fi
    if launch "$kind" "$kind-tls-idle" tls; then
        loadgen "B4h-$kind" --protocol "$kind" --port "$SERVER_PORT" --tls --connect-only -c "$TLS_CONNS" -d "$STATDUR" \
            --server-pid "$SERVER_PID"
        for f in setup_rate_per_s server_bytes_per_connection stat_p99_ns; do take "B4h.$kind.$f" "B4h-$kind" "$f"; done
        stop_server
    else
        for f in setup_rate_per_s server_bytes_per_connection stat_p99_ns; do na "B4h.$kind.$f" "$SERVER_REASON"; done
    fi
}

# Durable SETs, p=1: every OK waits for its fsync (Kairos shares one fsync among a batch).
run_b5() {
    local kind=$1 c f
    if launch "$kind" "$kind-fsync" fsync; then
        for c in "${B5_CONNS[@]}"; do
            loadgen "B5-$kind-$c" --protocol "$kind" --port "$SERVER_PORT" -c "$c" -p 1 -d "$SHORT" --warmup 1 --mix set=100 \
                --server-pid "$SERVER_PID"
            for f in throughput_rps latency_p50_ns latency_p99_ns; do take "B5.$c.$kind.$f" "B5-$kind-$c" "$f"; done
            take_cpu "B5.$c.$kind" "B5-$kind-$c"
        done
        stop_server
    else
        for c in "${B5_CONNS[@]}"; do
            for f in throughput_rps latency_p50_ns latency_p99_ns; do na "B5.$c.$kind.$f" "$SERVER_REASON"; done
            na_cpu "B5.$c.$kind" "$SERVER_REASON"
        done
    fi
    [[ $QUICK == 1 ]] && return 0
    if launch "$kind" "$kind-nofsync" nofsync; then
        loadgen "B5n-$kind" --protocol "$kind" --port "$SERVER_PORT" -c 64 -p 1 -d "$SHORT" --warmup 1 --mix set=100
        take "B5n.$kind.throughput_rps" "B5n-$kind" throughput_rps
        stop_server
    else
        na "B5n.$kind.throughput_rps" "$SERVER_REASON"
    fi
}

# B6: many planned jobs: server RSS, QUERY of a 100-job prefix, replay (Redis: AOF load) time.
run_b6() {
    local kind=$1 name=$1-b6 profile=bulk
    if ! launch "$kind" "$name" bulk; then
        na "B6.$kind.replay_ms" "$SERVER_REASON"
        if [[ $kind == kairos ]]; then
            # Without the logfile the RSS and QUERY figures can still come from memory persistence.
            name=kairos-b6-memory profile=memory
            launch kairos "$name" memory || {
                for f in fill_rps rss_bytes query_p50_ns query_p99_ns; do na "B6.$kind.$f" "$SERVER_REASON"; done
                return 0
            }
        else
            for f in fill_rps rss_bytes query_p50_ns query_p99_ns; do na "B6.$kind.$f" "$SERVER_REASON"; done
            return 0
        fi
    fi
    loadgen "B6-$kind-fill" --protocol "$kind" --port "$SERVER_PORT" --fill "$B6_JOBS" -c 16 -p 64
    take "B6.$kind.fill_rps" "B6-$kind-fill" throughput_rps
    if [[ -f "$WORK/B6-$kind-fill.reason" ]]; then
        na "B6.$kind.rss_bytes" "the fill failed"
    else
        R[B6.$kind.rss_bytes]=$(rss_bytes "$SERVER_PID")
    fi
    if [[ $kind == kairos ]]; then
        loadgen "B6-kairos-query" --port "$SERVER_PORT" -c 1 -p 1 -d "$SHORT" --warmup 0.5 --mix query=100 --keys "$B6_JOBS"
        for f in query_p50_ns query_p99_ns query_records query_count; do take "B6.kairos.$f" B6-kairos-query "$f"; done
    else
        na "B6.redis.query_p50_ns" "Redis has no prefix query"
        na "B6.redis.query_p99_ns" "Redis has no prefix query"
    fi
    stop_server
    [[ $profile == bulk ]] || return 0
    # The same directory, configuration and port: the server loads what the fill wrote.
    local t0 t1 loaded
    t0=$(date +%s%N)
    if launch "$kind" "$name" bulk; then
        t1=$(date +%s%N)
        R[B6.$kind.replay_ms]=$(((t1 - t0) / 1000000))
        loaded=$(grep -o 'loaded [0-9]* jobs, [0-9]* rules' "$SERVER_LOG" 2>/dev/null | tail -1 || true)
        [[ -n $loaded ]] && R[B6.$kind.replay_note]=" (server: $loaded)"
        stop_server
    else
        na "B6.$kind.replay_ms" "restart: $SERVER_REASON"
    fi
}

# B7 (Kairos only): lateness of triggers vs due time, as the server measured it and printed
# at shutdown: `trigger lateness: count=N p50_ns=X p99_ns=Y max_ns=Z`.
run_b7() {
    local due_ns rule="RULE SET bench.rule k shell true"
    if launch kairos kairos-b7-burst memory; then
        due_ns=$(($(date +%s%N) + 3000000000))
        loadgen B7-burst --port "$SERVER_PORT" --fill "$B7_BURST" -c 8 -p 64 --due-at-ns "$due_ns" --prelude "$rule"
        # Every job is due at one instant; give the dispatch two seconds past it, then stop the
        # server, which prints its lateness figures as it exits.
        sleep_until_ns $((due_ns + 2000000000))
        stop_server
        lateness B7.burst B7-burst
    else
        for f in count p50_ns p99_ns max_ns; do na "B7.burst.$f" "$SERVER_REASON"; done
    fi
    if launch kairos kairos-b7-stream memory; then
        loadgen B7-stream --port "$SERVER_PORT" --fill "$B7_STREAM" --rate 1000 -c 4 -p 8 --due-in-ms 500 --prelude "$rule"
        sleep 1.5 # the last jobs are due 0.5 s after they were sent
        stop_server
        lateness B7.stream B7-stream
    else
        for f in count p50_ns p99_ns max_ns; do na "B7.stream.$f" "$SERVER_REASON"; done
    fi
}

sleep_until_ns() {
    local now
    now=$(date +%s%N)
    if (($1 > now)); then sleep "$(awk -v d=$(($1 - now)) 'BEGIN { printf "%.3f", d / 1e9 }')"; fi
}

lateness() {
    local prefix=$1 run=$2 line f
    if [[ -f "$WORK/$run.reason" ]]; then
        for f in count p50_ns p99_ns max_ns; do R[$prefix.$f]="n/a ($(cat "$WORK/$run.reason"))"; done
        return 0
    fi
    line=$(grep -o 'trigger lateness: count=[0-9]* p50_ns=[0-9]* p99_ns=[0-9]* max_ns=[0-9]*' "$SERVER_LOG" \
        2>/dev/null | tail -1 || true)
    if [[ -z $line ]]; then
        for f in count p50_ns p99_ns max_ns; do na "$prefix.$f" "the server printed no 'trigger lateness:' line at shutdown"; done
        return 0
    fi
    for f in count p50_ns p99_ns max_ns; do R[$prefix.$f]=$(sed -n "s/.* $f=\([0-9]*\).*/\1/p" <<<" $line"); done
}

# The machine's own fsync rate, to judge group commit: 500 synchronous 4 KiB writes.
measure_fsync() {
    local seconds
    seconds=$(dd if=/dev/zero of="$WORK/fsync.probe" bs=4k count=500 oflag=dsync 2>&1 \
        | sed -n 's/.*copied, \([0-9.]*\) s.*/\1/p')
    rm -f "$WORK/fsync.probe"
    if [[ -n $seconds ]]; then
        R[fsync_per_s]=$(awk -v s="$seconds" 'BEGIN { printf "%.0f", 500 / s }')
    else
        na fsync_per_s "dd failed"
    fi
}

# Benchmarks/alloc-count.sh on the binaries just measured; the largest allocations per extra
# request over its cases goes into the table, its whole output into the report.
run_alloc_count() {
    local status=0
    COMMANDS+=("Benchmarks/alloc-count.sh")
    timeout 900 "$ROOT/Benchmarks/alloc-count.sh" >"$WORK/alloc.txt" 2>"$WORK/alloc.err" || status=$?
    if [[ $status != 0 ]]; then
        na alloc.max "alloc-count.sh exit $status: $(tail -1 "$WORK/alloc.err" | tr -d '|')"
        return 0
    fi
    R[alloc.max]=$(awk 'NF >= 7 && $NF ~ /^-?[0-9.]+$/ { v = $NF + 0; if (v < 0) v = -v; if (v > m) m = v; n++ } END { if (n) printf "%.4f", m }' "$WORK/alloc.txt")
    R[alloc.cases]=$(awk 'NF >= 7 && $NF ~ /^-?[0-9.]+$/ { n++ } END { print n + 0 }' "$WORK/alloc.txt")
    [[ -n ${R[alloc.max]} ]] || na alloc.max "no figures in alloc-count.sh's output"
    ALLOC_OUTPUT=$(cat "$WORK/alloc.txt")
}
ALLOC_OUTPUT=""
PLACEMENT_OUTPUT=""

source "$ROOT/Benchmarks/bench-report.sh"

# MARK: main

main() {
    if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
        log "building release binaries"
        swift build -c release --product kairos
        swift build -c release --product kairos-loadgen
    fi
    [[ -x $LOADGEN ]] || { log "missing $LOADGEN"; exit 1; }
    if ! command -v redis-server >/dev/null 2>&1; then
        log "installing redis-server"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools
    fi
    # Both servers inherit the soft descriptor limit: raise it to the hard limit for B3.
    ulimit -n "$(ulimit -Hn)"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
        -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
    "$LOADGEN" --self-test >/dev/null || { log "kairos-loadgen --self-test failed"; exit 1; }
    measure_fsync

    # Row by row, Kairos then Redis, so that the two figures of a row are taken minutes apart at
    # most (the machine's load drifts over a run).
    local kind row
    LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
    for row in b1_b2 b3 b4 b5 b6; do
        for kind in kairos redis; do
            log "$kind: ${row^^}"
            "run_$row" "$kind"
        done
    done
    log "kairos: B7"
    run_b7
    LOAD_AT_END=$(cut -d' ' -f1-3 /proc/loadavg)
    if [[ $PLACEMENT == 1 ]]; then
        log "B2 per CPU placement (Benchmarks/b2-placement.sh)"
        COMMANDS+=("Benchmarks/b2-placement.sh")
        PLACEMENT_OUTPUT=$(KAIROS_BIN="$KAIROS" timeout 600 "$ROOT/Benchmarks/b2-placement.sh" 2>&1) ||
            PLACEMENT_OUTPUT="b2-placement.sh failed: $(tail -1 <<<"$PLACEMENT_OUTPUT")"
    fi
    if [[ $ALLOC == 1 ]]; then
        log "allocations per request (Benchmarks/alloc-count.sh)"
        run_alloc_count
    else
        na alloc.max "not run (BENCH_ALLOC=0; the quick variant skips it)"
    fi
    write_report >"$OUT"
    log "wrote $OUT in $(($(date +%s) - STARTED_AT)) s"
}

main "$@"
