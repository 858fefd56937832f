#!/usr/bin/env python3
"""A minimal OTLP/HTTP receiver for Kairos's telemetry tests.

Decodes every POST body with the official opentelemetry-proto package and appends one JSON
line per request to LOG: the metrics (name -> value) or the spans (name, kind, attributes).
A body that does not parse, a wrong path or a wrong content type is logged as {"error": ...}
and answered 400, so the test fails on it.

usage: otlp_receiver.py PORT LOG
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

LOG = sys.argv[2]


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
                    "parent": span.parent_span_id.hex(),
                    "attributes": attributes(span.attributes),
                })
    return {"path": "/v1/traces", "spans": spans}


class Handler(BaseHTTPRequestHandler):
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
                entry = traces_entry(request)
            else:
                raise ValueError("unexpected path %s" % self.path)
            status = 200
        except (DecodeError, ValueError) as error:
            entry = {"error": "%s: %s" % (self.path, error)}
            status = 400
        with open(LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
