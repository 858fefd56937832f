#!/usr/bin/env python3
"""A minimal OTLP/HTTP receiver for Kairos's telemetry tests.

Decodes every POST body with the official opentelemetry-proto package and appends one JSON
line per request to LOG: the metrics (name -> value), the spans (name, kind, ids, attributes)
or the log records (severity, body, times). A body that does not parse, a wrong path or a
wrong content type is logged as {"error": ...} and answered 400, so the test fails on it.
With CERT and KEY (PEM files) it speaks https.

With OTLP_RECEIVER_SUMMARY=1 in the environment (Benchmarks/telemetry-bench.sh) it still decodes
every body (a body that does not parse is still counted as an error and answered 400) but keeps
only totals, rewriting LOG after each request as one JSON object:
{"requests", "bytes", "spans", "logs", "errors", "metrics": the newest metrics export}.
Spans and log records are then only counted, not turned into dicts (that took most of its CPU),
and it keeps the connection open between requests (HTTP/1.1), as a collector does.

usage: otlp_receiver.py PORT LOG [CERT KEY]
"""
import json
import os
import ssl
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

LOG = sys.argv[2]
SUMMARY = os.environ.get("OTLP_RECEIVER_SUMMARY") == "1"
totals = {"requests": 0, "bytes": 0, "spans": 0, "logs": 0, "errors": 0, "metrics": {}}


def summarize(entry, size):
    totals["requests"] += 1
    totals["bytes"] += size
    totals["spans"] += entry.get("span_count", len(entry.get("spans", [])))
    totals["logs"] += entry.get("log_count", len(entry.get("logs", [])))
    totals["errors"] += 1 if "error" in entry else 0
    if "metrics" in entry:
        totals["metrics"] = entry["metrics"]
    with open(LOG, "w") as log:
        log.write(json.dumps(totals) + "\n")


def any_value(value):
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def attributes(pairs):
    return {pair.key: any_value(pair.value) for pair in pairs}


def metrics_entry(request):
    metrics = {}
    resource = {}
    for rm in request.resource_metrics:
        resource = attributes(rm.resource.attributes)
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                kind = metric.WhichOneof("data")
                if kind in ("sum", "gauge"):
                    point = getattr(metric, kind).data_points[0]
                    metrics[metric.name] = getattr(point, point.WhichOneof("value"))
                elif kind == "histogram":
                    point = metric.histogram.data_points[0]
                    metrics[metric.name] = {"count": point.count, "sum": point.sum}
    return {"path": "/v1/metrics", "resource": resource, "metrics": metrics}


def traces_entry(request):
    spans = []
    for rs in request.resource_spans:
        for ss in rs.scope_spans:
            for span in ss.spans:
                spans.append({
                    "scope": ss.scope.name,
                    "name": span.name,
                    "kind": span.kind,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent": span.parent_span_id.hex(),
                    "attributes": attributes(span.attributes),
                })
    return {"path": "/v1/traces", "spans": spans}


def logs_entry(request):
    records = []
    resource = {}
    for rl in request.resource_logs:
        resource = attributes(rl.resource.attributes)
        for sl in rl.scope_logs:
            for record in sl.log_records:
                records.append({
                    "scope": sl.scope.name,
                    "severity_number": record.severity_number,
                    "severity_text": record.severity_text,
                    "body": any_value(record.body),
                    "time": record.time_unix_nano,
                    "observed_time": record.observed_time_unix_nano,
                    "attributes": attributes(record.attributes),
                })
    return {"path": "/v1/logs", "resource": resource, "logs": records}


def span_count(request):
    return {"span_count": sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)}


def log_count(request):
    return {"log_count": sum(len(sl.log_records) for rl in request.resource_logs for sl in rl.scope_logs)}


class Handler(BaseHTTPRequestHandler):
    if SUMMARY:
        protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            if self.headers.get("Content-Type") != "application/x-protobuf":
                raise ValueError("content type %r" % self.headers.get("Content-Type"))
            if self.path == "/v1/metrics":
                request = ExportMetricsServiceRequest()
                request.ParseFromString(body)
                entry = metrics_entry(request)
            elif self.path == "/v1/traces":
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                entry = span_count(request) if SUMMARY else traces_entry(request)
            elif self.path == "/v1/logs":
                request = ExportLogsServiceRequest()
                request.ParseFromString(body)
                entry = log_count(request) if SUMMARY else logs_entry(request)
            else:
                raise ValueError("unexpected path %s" % self.path)
            status = 200
        except (DecodeError, ValueError) as error:
            entry = {"error": "%s: %s" % (self.path, error)}
            status = 400
        if SUMMARY:
            summarize(entry, len(body))
        else:
            with open(LOG, "a") as log:
                log.write(json.dumps(entry) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(HTTPServer):
    def get_request(self):
        # With TLS the handshake happens here; a client that refuses the certificate is
        # logged as {"tls_failure": ...} (not an "error": the tests expect those) and skipped.
        try:
            return super().get_request()
        except ssl.SSLError as error:
            with open(LOG, "a") as log:
                log.write(json.dumps({"tls_failure": str(error)}) + "\n")
            raise


server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
