# Sourced by the B8 scripts: loopback port helpers (bash /dev/tcp probes, no extra tools).
# Expects a `log` function.

# A port in 20000-31999 that nothing on 127.0.0.1 listens on.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Waits up to 15 s for something to listen on 127.0.0.1:$1.
wait_port() {
    for _ in $(seq 1 150); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    log "nothing listens on port $1"
    return 1
}
