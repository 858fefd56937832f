#!/usr/bin/env python3
"""A webhook peer for the http runner's tests: records every request it receives, then answers
as the request's path says.

usage: http-recorder.py DIRECTORY [CERT KEY]

With CERT and KEY (PEM files) it speaks https instead of http.

Listens on a free 127.0.0.1 port and writes it to DIRECTORY/port once it accepts. Each request
is appended to DIRECTORY/requests.jsonl before it is answered, as one JSON object:
{"connection": N, "request_line": "...", "headers": [[name, value], ...], "body": "..."}
(N counts accepted connections from 1; the body is decoded as Latin-1, so bytes map 1:1).

Paths: /status/NNN answers NNN with an empty body (301 also sends a Location); /hang never
answers; /truncate announces 100 body bytes, sends 10 and closes; /drop answers 200 and then
closes the connection without saying so (an idle kept-alive connection the server dropped);
anything else answers 200 "ok". Stopped by SIGTERM or SIGKILL.
"""
import http.server
import itertools
import json
import os
import signal
import socketserver
import ssl
import sys
import threading
import time

# A test runner's worker thread may have spawned us with signals blocked; SIGTERM must work.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
directory = sys.argv[1]
record_path = os.path.join(directory, "requests.jsonl")
record_lock = threading.Lock()
connection_numbers = itertools.count(1)


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection_number = next(connection_numbers)

    def log_message(self, format, *args):
        pass

    def record(self, body):
        entry = {
            "connection": self.connection_number,
            "request_line": self.requestline,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body": body.decode("latin-1"),
        }
        with record_lock, open(record_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        self.record(body)
        path = self.path.split("?", 1)[0]
        if path == "/hang":
            while True:
                time.sleep(3600)
        if path == "/truncate":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            self.wfile.flush()
            self.close_connection = True
            return
        status = 200
        if path.startswith("/status/"):
            status = int(path[len("/status/"):])
        payload = b"ok" if path == "/" or not path.startswith("/status/") else b""
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/moved")
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(payload)
        self.wfile.flush()
        if path == "/drop":
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = answer


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Recorder)
if len(sys.argv) > 3:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
port_path = os.path.join(directory, "port")
with open(port_path + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
os.rename(port_path + ".tmp", port_path)
server.serve_forever()
