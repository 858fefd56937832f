#!/usr/bin/env python3
"""Fills a Kairos server with N jobs over the line protocol, pipelined on one connection, for
the recurring-job rows (Benchmarks/b10-recurring.sh).

    recurring-fill.py PORT N AT_NS [STEP_NS] [CLAUSE...]

sends `<n> SET k<n> AT_NS+n*STEP_NS CLAUSE` for n in 0..N-1 (keys zero-padded to one width;
STEP_NS default 0, i.e. every job at one instant; CLAUSE e.g. `EVERY 1m`, none = one-shot jobs), reads every answer, and prints one JSON object:
{"jobs": N, "ok": OKs, "errors": ERRORs, "seconds": wall time}. Exit 1 if any answer is not OK.
A writer thread sends while the main thread reads, so neither side's buffers fill up.
"""
import json
import socket
import sys
import threading
import time


def main() -> int:
    port, count, at_ns = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rest = sys.argv[4:]
    step = int(rest.pop(0)) if rest and rest[0].isdigit() else 0
    clause = (" " + " ".join(rest)) if rest else ""
    width = len(str(max(count - 1, 0)))
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    started = time.monotonic()

    def write() -> None:
        batch = []
        for n in range(count):
            batch.append(f"{n} SET k{n:0{width}d} {at_ns + n * step}{clause}\n")
            if len(batch) == 4096:
                sock.sendall("".join(batch).encode())
                batch = []
        if batch:
            sock.sendall("".join(batch).encode())

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    ok = errors = 0
    pending = b""
    while ok + errors < count:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            if line.endswith(b" OK"):
                ok += 1
            else:
                errors += 1
    writer.join()
    sock.close()
    print(json.dumps({"jobs": count, "ok": ok, "errors": errors, "seconds": round(time.monotonic() - started, 3)}))
    return 0 if ok == count else 1


if __name__ == "__main__":
    sys.exit(main())
