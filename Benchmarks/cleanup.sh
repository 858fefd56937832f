# Sourced by the bench scripts: stopping what they started, whatever ends them. Expects PIDS (an
# array of the PIDs they started) and WORK (their scratch directory); a script that has more to
# stop (a RabbitMQ node) defines `stop_extra`, which runs after the PIDs.

# Stops one process the script started: SIGTERM, then waits for it.
stop_pid() {
    kill -TERM "$1" 2>/dev/null || return 0
    wait "$1" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # Kairos servers first, so they close their connections to the peers.
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if declare -F stop_extra >/dev/null; then stop_extra; fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
