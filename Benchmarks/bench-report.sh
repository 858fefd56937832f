# Sourced by run-bench.sh: turns the figures in R[...] into BENCHMARKS.md (Markdown on stdout).

is_num() { [[ ${1:-} =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }

group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

# Formats one figure; anything not numeric (n/a reasons) passes through unchanged.
fmt() {
    local kind=$1 value=${2:-"n/a (not measured)"}
    is_num "$value" || { printf '%s' "$value"; return; }
    case $kind in
        int) group "$(awk -v v="$value" 'BEGIN { printf "%.0f", v }')" ;;
        rate) printf '%s/s' "$(group "$(awk -v v="$value" 'BEGIN { printf "%.0f", v }')")" ;;
        us) awk -v v="$value" 'BEGIN { printf "%.1f µs", v / 1e3 }' ;;
        ms) awk -v v="$value" 'BEGIN { printf "%.3f ms", v / 1e6 }' ;;
        msec) awk -v v="$value" 'BEGIN { printf "%.0f ms", v }' ;;
        mib) awk -v v="$value" 'BEGIN { printf "%.1f MiB", v / 1048576 }' ;;
        bytes) awk -v v="$value" 'BEGIN { printf "%.0f B (%.2f KiB)", v, v / 1024 }' ;;
        pct) awk -v v="$value" 'BEGIN { printf "%.0f%%", v }' ;;
        x) awk -v v="$value" 'BEGIN { printf "%.2f×", v }' ;;
        cpu) awk -v v="$value" 'BEGIN { printf "%.3f s", v }' ;;
        alloc) awk -v v="$value" 'BEGIN { printf "%.4f", v }' ;;
        *) printf '%s' "$value" ;;
    esac
}

ratio() {
    if is_num "${1:-}" && is_num "${2:-}" && awk -v b="$2" 'BEGIN { exit !(b != 0) }'; then
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'
    else
        printf '—'
    fi
}

# | row | measure | Kairos | Redis | Kairos ÷ Redis | target |
row() {
    local id=$1 measure=$2 kind=$3 kairos=${R[$4]:-} redis=${R[$5]:-} target=$6
    [[ $5 == - ]] && redis="n/a (no Redis counterpart)"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$id" "$measure" "$(fmt "$kind" "$kairos")" "$(fmt "$kind" "$redis")" \
        "$(ratio "$kairos" "$redis")" "$target"
}

# | row | measure | Kairos (text) | Redis (text) | — | target |: the per-thread split.
text_row() {
    printf '| %s | %s | %s | %s | — | %s |\n' "$1" "$2" "${R[$3]:-n/a (not measured)}" "${R[$4]:-n/a (not measured)}" "${5:-}"
}

# The CPU rows of one load run: per million requests, share of one core, threads.
cpu_rows() {
    local id=$1 kairos=$2 redis=$3 target=${4:-}
    row "$id" "… server CPU-seconds per million requests (= µs of CPU per request)" cpu "$kairos.server_cpu_s_per_million" "$redis.server_cpu_s_per_million" "$target"
    row "$id" "… server CPU, share of one core" pct "$kairos.server_cpu_percent" "$redis.server_cpu_percent" ""
    text_row "$id" "… per thread: CPU-s per million requests (share of one core)" "$kairos.server_threads" "$redis.server_threads" ""
}

# redis-benchmark against the same Redis right after the loadgen's B1: does the loadgen's Redis
# figure agree with the tool Redis ships?
cross_check_b1() {
    local q
    q=$(quotient RB1.loadgen_rps RB1.blend_rps)
    printf '| B1 | cross-check, three alternating pairs: loadgen (%s s runs) and redis-benchmark -c 50 -P 16 -t set, -t get combined 80/20; medians | n/a (RESP only) | loadgen %s, redis-benchmark %s | loadgen ÷ redis-benchmark: %s | within ±10%% |\n' \
        "${RB_LOADGEN_S:-?}" "$(fmt rate "${R[RB1.loadgen_rps]:-}")" "$(fmt rate "${R[RB1.blend_rps]:-}")" \
        "$(is_num "$q" && fmt x "$q" || echo —)"
    printf '| B1 | … each pair (per s) | — | %s | — |  |\n' "${R[RB1.pairs]:-n/a}"
    printf '| B1 | … redis-benchmark: Redis CPU-seconds per million requests (80/20 of the two tests; includes its connects) | n/a (RESP only) | %s | — |  |\n' \
        "$(fmt cpu "${R[RB1.blend_cpu]:-}")"
}

cross_check_b2() {
    printf '| B2 | cross-check: redis-benchmark -c 1 -P 1 -t set: p50 / p99 | n/a (RESP only) | %s / %s | — |  |\n' \
        "$(fmt us "${R[RB2.p50_ns]:-}")" "$(fmt us "${R[RB2.p99_ns]:-}")"
}

# One line of the targets table: NAME, VALUE, OP (ge/le/lt), LIMIT, how VALUE is shown.
verdict() {
    local name=$1 value=${2:-} op=$3 limit=$4 shown=$5 met
    if ! is_num "$value"; then
        printf '| %s | %s | not measured |\n' "$name" "${value:-n/a}"
        return 0
    fi
    met=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN {
        ok = (op == "ge") ? v >= l : (op == "le") ? v <= l : v < l
        print ok ? "yes" : "**no**" }')
    printf '| %s | %s | %s |\n' "$name" "$shown" "$met"
}

# Kairos ÷ Redis of two figures, as a plain number for verdict (empty if either is missing).
quotient() {
    if is_num "${R[$1]:-}" && is_num "${R[$2]:-}"; then
        awk -v a="${R[$1]}" -v b="${R[$2]}" 'BEGIN { if (b != 0) printf "%.4f", a / b }'
    fi
}

targets() {
    local q size
    echo "| Target | Measured in this run | Met |"
    echo "|---|---|---|"
    q=$(quotient B1.kairos.throughput_rps B1.redis.throughput_rps)
    verdict "B1 throughput ≥ 1.3× Redis (issue 13)" "$q" ge 1.3 "$(fmt x "$q")"
    q=$(quotient B1.kairos.server_cpu_s_per_million B1.redis.server_cpu_s_per_million)
    verdict "B1 server CPU per request ≤ 1.0× Redis (issue 13)" "$q" le 1.0 "$(fmt x "$q")"
    q=$(quotient B2.kairos.latency_p99_ns B2.redis.latency_p99_ns)
    verdict "B2 c=1 p99 ≤ 1.0× Redis (issue 13)" "$q" le 1.0 "$(fmt x "$q")"
    q=$(quotient B4.kairos.latency_p99_ns B4.redis.latency_p99_ns)
    verdict "B4 TLS p99 ≤ 1.5× Redis-TLS (issue 13)" "$q" le 1.5 "$(fmt x "$q")"
    q=$(quotient B5.1.kairos.throughput_rps B5.1.redis.throughput_rps)
    verdict "B5 c=1 durable SETs ≥ 1.0× Redis appendfsync always (issue 13)" "$q" ge 1.0 "$(fmt x "$q")"
    q=$(quotient RB1.loadgen_rps RB1.blend_rps)
    if is_num "$q"; then
        verdict "loadgen's B1 Redis figure within ±10% of redis-benchmark's (≥ 0.9×)" "$q" ge 0.9 "$(fmt x "$q")"
        verdict "… (≤ 1.1×)" "$q" le 1.1 "$(fmt x "$q")"
    else
        verdict "loadgen's B1 Redis figure within ±10% of redis-benchmark's" "" ge 0.9 ""
    fi
    # A few blocks of difference between the 2 s and 6 s runs are pools reaching their peak size
    # (more requests in flight during a stall), not allocations per request: ≤ 0.001 is flat.
    verdict "0 allocations per steady-state request (alloc-count.sh, largest magnitude of ${R[alloc.cases]:-0} cases; ≤ 0.001 counts as 0)" "${R[alloc.max]:-}" le 0.001 "$(fmt alloc "${R[alloc.max]:-}")"
    q=$(quotient B2.kairos.latency_p50_ns B2.redis.latency_p50_ns)
    verdict "B2 c=1 p50 ≤ Redis (kept)" "$q" le 1.0 "$(fmt x "$q")"
    for size in "${B3_SIZES[@]}"; do
        verdict "B3 $(group "$size") connections: connect rate ≥ 20,000/s (kept)" "${R[B3.$size.kairos.connect_rate_per_s]:-}" ge 20000 "$(fmt rate "${R[B3.$size.kairos.connect_rate_per_s]:-}")"
        verdict "… RSS per idle connection ≤ 1 KiB (kept)" "${R[B3.$size.kairos.server_bytes_per_connection]:-}" le 1024 "$(fmt bytes "${R[B3.$size.kairos.server_bytes_per_connection]:-}")"
        verdict "… STAT p99 < 1 ms (kept)" "${R[B3.$size.kairos.stat_p99_ns]:-}" lt 1000000 "$(fmt ms "${R[B3.$size.kairos.stat_p99_ns]:-}")"
    done
    verdict "B4 TLS share of plaintext ≥ 60% (kept)" "${R[B4.kairos.tls_share]:-}" ge 60 "$(fmt pct "${R[B4.kairos.tls_share]:-}")"
    q=$(quotient B5.64.kairos.throughput_rps B5.64.redis.throughput_rps)
    verdict "B5 c=64 durable SETs ≥ 1.0× Redis (kept)" "$q" ge 1.0 "$(fmt x "$q")"
    verdict "B6 server RSS ≤ 200 MB (kept)" "${R[B6.kairos.rss_bytes]:-}" le 200000000 "$(fmt mib "${R[B6.kairos.rss_bytes]:-}")"
    verdict "B6 QUERY p99 ≤ 1 ms (kept)" "${R[B6.kairos.query_p99_ns]:-}" le 1000000 "$(fmt ms "${R[B6.kairos.query_p99_ns]:-}")"
    verdict "B6 replay ≤ 2 s (kept)" "${R[B6.kairos.replay_ms]:-}" le 2000 "$(fmt msec "${R[B6.kairos.replay_ms]:-}")"
    verdict "B7 burst lateness p99 ≤ 1953 µs (kept)" "${R[B7.burst.p99_ns]:-}" le 1953125 "$(fmt us "${R[B7.burst.p99_ns]:-}")"
    verdict "B7 stream lateness p99 ≤ 1953 µs (kept)" "${R[B7.stream.p99_ns]:-}" le 1953125 "$(fmt us "${R[B7.stream.p99_ns]:-}")"
}

derive() {
    local kind
    for kind in kairos redis; do
        if is_num "${R[B4.$kind.throughput_rps]:-}" && is_num "${R[B1.$kind.throughput_rps]:-}"; then
            R[B4.$kind.tls_share]=$(awk -v t="${R[B4.$kind.throughput_rps]}" -v p="${R[B1.$kind.throughput_rps]}" \
                'BEGIN { printf "%.4f", t / p * 100 }')
        else
            R[B4.$kind.tls_share]="n/a (needs B1 and B4 figures)"
        fi
        if is_num "${R[B5.64.$kind.throughput_rps]:-}" && is_num "${R[fsync_per_s]:-}"; then
            R[B5.$kind.group]=$(awk -v s="${R[B5.64.$kind.throughput_rps]}" -v f="${R[fsync_per_s]}" \
                'BEGIN { printf "%.4f", s / f }')
        else
            R[B5.$kind.group]="n/a (needs B5 c=64 and the fsync rate)"
        fi
    done
}

machine() {
    local commit dirty=""
    commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!BENCHMARKS.md' 2>/dev/null) ]] && dirty=" (with uncommitted changes)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Commit: \`$commit\`$dirty"
    echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
    echo "- Disk for logfiles/AOF: $(df -T "$WORK" | awk 'NR == 2 { print $2 }'); measured fsync rate: $(fmt rate "${R[fsync_per_s]:-}") (dd, 4 KiB, oflag=dsync)"
    echo "- Descriptor limit (hard): $(ulimit -Hn)"
    echo "- $(swift --version 2>/dev/null | head -1); $(redis-server --version | cut -d' ' -f1-3); $(openssl version)"
    echo "- Variant: $([[ $QUICK == 1 ]] && echo 'BENCH_QUICK=1 (reduced matrix)' || echo 'full matrix'); wall time $(($(date +%s) - STARTED_AT)) s"
    echo "- Load average (1, 5, 15 min) when the matrix started: ${LOAD_AT_START:-?}; when it ended: ${LOAD_AT_END:-?} (2 cores: above 2, other processes were competing)"
    echo "- Protocols: Kairos with its line protocol (\`--protocol kairos\`); Redis with RESP arrays of bulk strings"
    echo "  (\`--protocol redis\`: \`*3\\r\\n\$3\\r\\nSET\\r\\n...\`), what redis-benchmark and Redis's client libraries send."
}

write_report() {
    derive
    local s size
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (Benchmarks/run-bench.sh). Kairos and Redis ran one after the other on"
    echo "this machine, on 127.0.0.1, driven by the same client (\`kairos-loadgen\`, which checks that every"
    echo "reply matches its request, in order). Figures a server could not produce are marked n/a with the reason."
    echo "Each row was measured for Kairos and then at once for Redis; compare ratios within one run."
    echo
    machine
    echo
    echo "## Targets"
    echo
    targets
    echo
    echo "## Matrix"
    echo
    echo "| Row | Measure | Kairos (line protocol) | Redis (RESP) | Kairos ÷ Redis | Target |"
    echo "|---|---|---|---|---|---|"
    row B1 "c=50 p=16, 80% SET / 20% GET: throughput" rate B1.kairos.throughput_rps B1.redis.throughput_rps "≥ 1.3× Redis"
    row B1 "… latency p50" us B1.kairos.latency_p50_ns B1.redis.latency_p50_ns ""
    row B1 "… latency p99" us B1.kairos.latency_p99_ns B1.redis.latency_p99_ns ""
    row B1 "… loadgen CPU (one core = 100%)" pct B1.kairos.client_cpu_percent B1.redis.client_cpu_percent ""
    cpu_rows B1 B1.kairos B1.redis "≤ 1.0× Redis"
    cross_check_b1
    row B2 "c=1 p=1 SET round trip p50" us B2.kairos.latency_p50_ns B2.redis.latency_p50_ns "p50 ≤ Redis"
    row B2 "… p99" us B2.kairos.latency_p99_ns B2.redis.latency_p99_ns "≤ 1.0× Redis"
    row B2 "… p99.9" us B2.kairos.latency_p999_ns B2.redis.latency_p999_ns ""
    row B2 "… throughput" rate B2.kairos.throughput_rps B2.redis.throughput_rps ""
    row B2 "… loadgen CPU (one core = 100%)" pct B2.kairos.client_cpu_percent B2.redis.client_cpu_percent ""
    cpu_rows B2 B2.kairos B2.redis ""
    cross_check_b2
    for size in "${B3_SIZES[@]}"; do
        s=$(group "$size")
        row B3 "$s idle connections: connect rate" rate "B3.$size.kairos.connect_rate_per_s" "B3.$size.redis.connect_rate_per_s" "≥ 20,000/s"
        row B3 "… server RSS per idle connection" bytes "B3.$size.kairos.server_bytes_per_connection" "B3.$size.redis.server_bytes_per_connection" "≤ 1 KiB"
        row B3 "… STAT p99 while held (Redis: INFO clients)" ms "B3.$size.kairos.stat_p99_ns" "B3.$size.redis.stat_p99_ns" "< 1 ms"
        row B3 "… connections reported by the server" int "B3.$size.kairos.stat_connections" "B3.$size.redis.stat_connections" "$(group $((size + 1)))"
        row B3 "… SYNs dropped by a full accept queue" int "B3.$size.kairos.listen_drops" "B3.$size.redis.listen_drops" "0"
    done
    row B4 "TLS 1.3, c=50 p=16, 80/20: throughput" rate B4.kairos.throughput_rps B4.redis.throughput_rps ""
    row B4 "… TLS throughput as a share of the same server's plaintext B1" pct B4.kairos.tls_share B4.redis.tls_share "≥ 60%"
    row B4 "… latency p50" us B4.kairos.latency_p50_ns B4.redis.latency_p50_ns ""
    row B4 "… latency p99" us B4.kairos.latency_p99_ns B4.redis.latency_p99_ns "≤ 1.5× Redis"
    cpu_rows B4 B4.kairos B4.redis ""
    row B4 "$(group "$TLS_CONNS") TLS connections: full handshakes" rate B4h.kairos.setup_rate_per_s B4h.redis.setup_rate_per_s ""
    row B4 "… server RSS per idle TLS connection" bytes B4h.kairos.server_bytes_per_connection B4h.redis.server_bytes_per_connection "≤ 16 KiB"
    for size in "${B5_CONNS[@]}"; do
        row B5 "durable SET (fsync per ack; Redis appendfsync always), c=$size p=1" rate "B5.$size.kairos.throughput_rps" "B5.$size.redis.throughput_rps" "$([[ $size == 64 || $size == 1 ]] && echo '≥ 1.0× Redis')"
        row B5 "… p99" us "B5.$size.kairos.latency_p99_ns" "B5.$size.redis.latency_p99_ns" ""
        cpu_rows B5 "B5.$size.kairos" "B5.$size.redis" ""
    done
    row B5 "c=64 durable SETs per fsync the disk can do (group commit)" x B5.kairos.group B5.redis.group "≥ 10×"
    [[ $QUICK == 1 ]] || row B5 "SET c=64 p=1, fsync off (Redis appendfsync no)" rate B5n.kairos.throughput_rps B5n.redis.throughput_rps ""
    s=$(group "$B6_JOBS")
    row B6 "$s planned jobs (Redis: keys): fill rate, c=16 p=64" rate B6.kairos.fill_rps B6.redis.fill_rps ""
    row B6 "… server RSS" mib B6.kairos.rss_bytes B6.redis.rss_bytes "≤ 200 MB"
    row B6 "… QUERY of a 100-job prefix, p50" ms B6.kairos.query_p50_ns B6.redis.query_p50_ns ""
    row B6 "… QUERY p99" ms B6.kairos.query_p99_ns B6.redis.query_p99_ns "≤ 1 ms"
    row B6 "… restart until answering: logfile replay (Redis: AOF load)${R[B6.kairos.replay_note]:-}" msec B6.kairos.replay_ms B6.redis.replay_ms "≤ 2 s"
    row B7 "$(group "$B7_BURST") jobs due at one instant, \`true\` rule: trigger lateness p50" us B7.burst.p50_ns - ""
    row B7 "… p99" us B7.burst.p99_ns - "≤ 1/framerate (1953 µs at 512)"
    row B7 "… max" us B7.burst.max_ns - ""
    row B7 "… triggers measured" int B7.burst.count - "$(group "$B7_BURST")"
    row B7 "1,000 jobs/s stream ($(group "$B7_STREAM") jobs): lateness p50" us B7.stream.p50_ns - ""
    row B7 "… p99" us B7.stream.p99_ns - "≤ 1/framerate"
    row B7 "… max" us B7.stream.max_ns - ""
    row B7 "… triggers measured" int B7.stream.count - "$(group "$B7_STREAM")"
    printf '| %s | %s | %s | %s | %s | %s |\n' Alloc "heap allocations per steady-state request (Benchmarks/alloc-count.sh, largest of its cases)" \
        "$(fmt alloc "${R[alloc.max]:-}")" "n/a (Kairos only)" "—" "0"
    echo
    echo "## How each row was measured"
    echo
    echo "- Servers: Kairos with a generated TOML (\`[controller] listen\`, \`[database] persistence = \"memory\"\`;"
    echo "  durable rows \`persistence = \"logfile\"\` with \`fsync_on_persist\`; TLS rows \`tls_cert\`/\`tls_key\`, a"
    echo "  throwaway P-256 certificate; default framerate). Redis $(redis-server --version | cut -d' ' -f3 | tr -d v=):"
    echo "  \`--save '' --appendonly no\` (memory), \`--appendonly yes --appendfsync always\` (durable),"
    echo "  \`--appendfsync no\` (fsync off), \`--appendfsync everysec\` (B6), \`--tls-port\` (TLS); always"
    echo "  \`--bind 127.0.0.1 --protected-mode no --maxclients 20000 --tcp-backlog 4096\`."
    echo "- The loadgen spreads its IPv4 connections over source addresses 127.0.0.2 and up (the kernel's"
    echo "  ephemeral-port search otherwise dominates connect time past a few thousand connections); Redis's"
    echo "  protected mode would refuse those sources, hence \`--protected-mode no\` on a 127.0.0.1 bind."
    echo "- Latency is from just before a request is written to the wake-up at which its reply is read, client"
    echo "  side (clock_gettime, HdrHistogram at three significant digits). Throughput counts the"
    echo "  requests sent in the measured window after the warm-up. \"Loadgen CPU\" is the client's own process CPU."
    echo "- Server CPU: the loadgen (\`--server-pid\`) reads utime + stime of the server from /proc/PID/stat, and of"
    echo "  each thread from /proc/PID/task/*/stat, at the start and the end of the measured window; CPU-seconds"
    echo "  per million requests = the difference ÷ requests in the window. Threads of one name are summed. Kairos's"
    echo "  threads: \`kairos\` (the core), \`kairos-reactor\`, \`kairos-journal\`, \`kairos-compact\`, \`kairos-runner\`;"
    echo "  Redis's: \`redis-server\` (its event loop) and its background \`bio_*\` threads. Resolution: one clock tick (10 ms)."
    echo "- redis-benchmark cross-check: against the same Redis right after the loadgen's B1, three alternating"
    echo "  pairs of a short loadgen run and redis-benchmark, compared by medians; \`-r 10000 -d 19\` (the loadgen's key"
    echo "  count and value length); SET and GET are separate tests there, so the 80/20 figure is"
    echo "  1 ÷ (0.8 ÷ SET/s + 0.2 ÷ GET/s). After B2, \`redis-benchmark -c 1 -P 1 -t set\` once."
    echo "- B3: a fresh server per size; RSS from /proc/PID/status (VmRSS) before connecting and once the server's"
    echo "  own STAT (Redis: INFO clients) counts every connection; per connection = difference ÷ connections."
    echo "- B5: the group-commit factor divides c=64 durable SETs/s by the disk's fsync rate above."
    echo "- B6: the fill SETs each key once (Kairos: logfile without fsync per write; Redis: AOF everysec), then"
    echo "  QUERY a prefix that matches exactly 100 jobs; replay = process start until it answers again."
    echo "- B7: a \`RULE SET bench.rule k shell true\` first; burst = every job due at one instant 3 s ahead;"
    echo "  stream = 1,000 SETs/s each due 500 ms after sending. The figures are the server's own measurement"
    echo "  (trigger time minus due time), printed on stderr at shutdown. Redis has no scheduler."
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "$([[ $QUICK == 1 ]] && echo 'BENCH_QUICK=1 ')make bench    # = Benchmarks/run-bench.sh"
    printf '%s\n' "${COMMANDS[@]}" | sed -E "s#$WORK/##g; s/--(port|tls-port) [1-9][0-9]*/--\\1 PORT/g; s/--server-pid [0-9]+/--server-pid PID/; s/--due-at-ns [0-9]+/--due-at-ns NOW+3s/"
    echo '```'
    local profile
    for profile in "${!PROFILES[@]}"; do
        echo
        echo "Kairos profile \`$profile\` (kairos.toml):"
        echo
        echo '```toml'
        sed -E "s#DIR/#<server dir>/#; s#$WORK/##g" <<<"${PROFILES[$profile]}"
        echo '```'
    done
    if [[ -n ${PLACEMENT_OUTPUT:-} ]]; then
        echo
        echo "## B2 per CPU placement (Benchmarks/b2-placement.sh, this run)"
        echo
        echo "The c=1 round trip of each server with the client and the server's threads pinned with taskset;"
        echo "see \"B2: why two tools disagreed\" below for what the rows mean."
        echo
        echo "$PLACEMENT_OUTPUT"
    fi
    if [[ -n ${ALLOC_OUTPUT:-} ]]; then
        echo
        echo "## Allocations per request (Benchmarks/alloc-count.sh, this run)"
        echo
        echo '```'
        echo "$ALLOC_OUTPUT"
        echo '```'
    fi
    # Measurements that are not part of the matrix (micro-benchmarks, allocation counts,
    # profiles) are kept by hand in one file, each with its own command and machine.
    if [[ -f "$ROOT/Benchmarks/other-measurements.md" ]]; then
        echo
        cat "$ROOT/Benchmarks/other-measurements.md"
    fi
}
