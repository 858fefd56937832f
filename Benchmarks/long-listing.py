#!/usr/bin/env python3
"""D-limits measurement: one client pipelines many long QUERYs while another client GETs and due jobs fire.

Usage: Benchmarks/long-listing.py KAIROS_BINARY [JOBS] [QUERIES]   (defaults 20000 300)

Starts the binary with persistence = "memory" on a free 127.0.0.1 port, loads JOBS jobs
`pfx.jobNNNNNN` with pipelined SETs, schedules 200 jobs due over the next second, then writes
QUERIES `QUERY pfx.` requests in one write and reads every answer. Prints the bytes and lines
received (and whether the server dropped the client), the time to receive them, the other
client's GET round trips (one every 2 ms, from a separate process), the server's peak RSS
(VmHWM) and the trigger lateness the server logs when it stops.
"""
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) // 1024
    return 0


def prober(port, stop, results):
    client = socket.create_connection(("127.0.0.1", port))
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    latencies = []
    i = 0
    while not stop.is_set():
        start = time.monotonic()
        client.sendall(b"g%d GET pfx.job000001\n" % i)
        reply = b""
        while not reply.endswith(b"\n"):
            reply += client.recv(100)
        latencies.append(time.monotonic() - start)
        i += 1
        time.sleep(0.002)
    results.put(latencies)


def main():
    binary = sys.argv[1]
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    queries = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    directory = tempfile.mkdtemp()
    port = free_port()
    with open(f"{directory}/kairos.toml", "w") as config:
        config.write(f'[log]\nlevel = "info"\n[controller]\nlisten = "127.0.0.1:{port}"\n'
                     '[database]\npersistence = "memory"\n')
    stderr = open(f"{directory}/stderr", "w")
    server = subprocess.Popen([binary, "server", "-c", f"{directory}/kairos.toml"], stderr=stderr)
    try:
        for _ in range(400):
            try:
                loader = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        loader.sendall(b"".join(b"s SET pfx.job%06d 4102444800000000000\n" % i for i in range(jobs)))
        acknowledged = b""
        while acknowledged.count(b"\n") < jobs:
            acknowledged += loader.recv(1 << 20)
        loaded_mib = peak_mib(server.pid)

        stop = multiprocessing.Event()
        results = multiprocessing.Queue()
        probe = multiprocessing.Process(target=prober, args=(port, stop, results))
        probe.start()
        time.sleep(0.1)
        due_start = time.time_ns() + 100_000_000
        loader.sendall(b"".join(b"d SET due.%d %d\n" % (i, due_start + i * 5_000_000) for i in range(200)))

        greedy = socket.create_connection(("127.0.0.1", port))
        greedy.settimeout(60)
        started = time.monotonic()
        greedy.sendall(b"".join(b"q%d QUERY pfx.\n" % i for i in range(queries)))
        expected_lines = queries * (jobs + 1)
        lines = received = 0
        tail = b""
        dropped = False
        while lines < expected_lines:
            try:
                chunk = greedy.recv(1 << 20)
            except socket.timeout:
                break
            if not chunk:
                dropped = True
                break
            lines += chunk.count(b"\n")
            received += len(chunk)
            tail = (tail + chunk)[-64:]
        elapsed = time.monotonic() - started
        stop.set()
        latencies = sorted(results.get())
        probe.join()
        last = tail.splitlines()[-1].decode() if tail else ""
        print(f"{queries} x QUERY of {jobs} jobs: {received} bytes, {lines}/{expected_lines} lines, "
              f"last line {last!r}, dropped {dropped}, {elapsed:.2f} s")
        print(f"other client's GET: n={len(latencies)} p50={latencies[len(latencies) // 2] * 1e3:.2f} ms "
              f"p99={latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms max={latencies[-1] * 1e3:.2f} ms")
        print(f"server VmHWM: {loaded_mib} MiB after loading, {peak_mib(server.pid)} MiB at the end")
        time.sleep(max(0.0, (due_start + 1_100_000_000 - time.time_ns()) / 1e9))
    finally:
        server.terminate()
        server.wait()
        stderr.close()
    with open(f"{directory}/stderr") as log:
        for line in log:
            if "trigger lateness" in line:
                print(line.strip())


if __name__ == "__main__":
    main()
