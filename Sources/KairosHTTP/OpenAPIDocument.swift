/// The OpenAPI 3.1 document served at `GET /openapi.json` (D-http-api): every path, parameter, body,
/// response and status code the server has, and the bearer scheme. Kept here, next to the
/// routes it describes, so a change to one is a change to the other in the same file set; the
/// integration tests validate the served bytes with openapi-spec-validator.
public enum OpenAPIDocument {
    public static let json: [UInt8] = Array(text.utf8)

    static let text = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Kairos HTTP API",
    "version": "0.1.0",
    "description": "The JSON API of the Kairos job scheduler (ztick's API, docs/protocol.md#http-api, with Kairos decisions D-http-auth and D-http-api). Served when `[http] listen` is set, over HTTP/1.1 with keep-alive, or HTTPS when `[http] tls_cert` and `tls_key` are set. Every body is JSON without whitespace. Ids are byte strings: path ids and query values are percent-decoded (RFC 3986); bytes that are not valid UTF-8 appear as U+FFFD in JSON. Requests are framed strictly: head at most 8 KiB, one Content-Length, no Transfer-Encoding, body at most 1 MiB; a framing error is answered 400, 413, 417 or 505 with an Error body and the connection is closed. When the server has an auth_file, every operation except /health and /openapi.json needs `Authorization: Bearer <secret>` (401 otherwise); ids outside the token's namespace are 403; without an auth_file no operation needs a token."
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A secret of the server's auth_file. Required only when the server is configured with one."
      }
    },
    "parameters": {
      "id": {
        "name": "id",
        "in": "path",
        "required": true,
        "description": "The job or rule id, percent-decoded; it may contain '/' when written as %2F.",
        "schema": { "type": "string", "minLength": 1 }
      },
      "prefix": {
        "name": "prefix",
        "in": "query",
        "required": false,
        "description": "Only ids starting with this (percent-decoded) string; default: all.",
        "schema": { "type": "string" }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": { "error": { "type": "string" } },
        "additionalProperties": false
      },
      "Status": { "type": "string", "enum": ["planned", "triggered", "executed", "failed"] },
      "Job": {
        "type": "object",
        "description": "A one-shot job has exactly id, status and execution (ztick's object). A recurring job has them first, then its schedule (every, or cron and timezone), retry and its run counters (the line protocol's INFO).",
        "required": ["id", "status", "execution"],
        "properties": {
          "id": { "type": "string" },
          "status": { "$ref": "#/components/schemas/Status" },
          "execution": { "type": "integer", "format": "int64", "description": "Nanoseconds since 1970-01-01T00:00:00Z; for a recurring job its next run." },
          "every": { "$ref": "#/components/schemas/Duration" },
          "cron": { "type": "string", "description": "The cron expression as sent." },
          "timezone": { "type": "string", "description": "The IANA zone of the cron expression (UTC when none was sent)." },
          "retry": { "$ref": "#/components/schemas/Retry" },
          "runs": { "type": "integer", "minimum": 0, "description": "Finished runs since the schedule was set." },
          "failures": { "type": "integer", "minimum": 0, "description": "Failed runs among them." },
          "last_outcome": { "type": "string", "enum": ["none", "executed", "failed"], "description": "The outcome of the last finished run; none before the first." },
          "last_at": { "type": "integer", "format": "int64", "description": "The due time (ns) of the last finished run; 0 before the first." }
        },
        "additionalProperties": false
      },
      "Duration": {
        "type": "string",
        "pattern": "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$",
        "minLength": 2,
        "description": "Whole days, hours, minutes and seconds in that order, each at most once, at least 1s: 90s, 15m, 2h, 1d, 1h30m (the line protocol's EVERY and RETRY durations)."
      },
      "Retry": {
        "type": "object",
        "required": ["count"],
        "description": "The line protocol's RETRY <count> [<backoff>]: after a failed run, up to count retries, the first backoff after the failure (default 10s), each further one twice the previous delay, capped at the interval and never later than the next regular run.",
        "properties": {
          "count": { "type": "integer", "minimum": 0, "maximum": 65535 },
          "backoff": { "$ref": "#/components/schemas/Duration" }
        }
      },
      "JobBody": {
        "type": "object",
        "description": "A plain body (execution only) is the line protocol's SET and makes a recurring job one-shot again. every, cron, timezone and retry are its EVERY, CRON, TZ and RETRY clauses, checked by the same code: at most one of every and cron; execution is required except with cron, where it is optional and ignored (the first run is the next occurrence after the server applies the PUT); timezone only with cron; retry only with every or cron. A refused schedule is 400 with the reason (invalid every, invalid cron, invalid timezone, invalid retry, every and cron exclude each other, timezone needs cron, retry needs every or cron) and changes nothing.",
        "anyOf": [{ "required": ["execution"] }, { "required": ["cron"] }],
        "properties": {
          "execution": {
            "description": "An RFC 3339 date-time (offset and fraction honoured) or an integer of nanoseconds since the epoch. With every, the first run; the later ones are execution + k * every.",
            "oneOf": [
              { "type": "string", "format": "date-time" },
              { "type": "integer", "format": "int64" }
            ]
          },
          "every": { "$ref": "#/components/schemas/Duration" },
          "cron": { "type": "string", "description": "5 fields (minute hour day-of-month month day-of-week; lists, ranges, steps, month and day names, Vixie day semantics) or @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually." },
          "timezone": { "type": "string", "description": "An IANA zone name for cron (default UTC)." },
          "retry": { "$ref": "#/components/schemas/Retry" }
        }
      },
      "RunnerKind": { "type": "string", "enum": ["shell", "direct", "awf", "http", "amqp", "redis"] },
      "Rule": {
        "type": "object",
        "required": ["id", "pattern", "runner"],
        "properties": {
          "id": { "type": "string" },
          "pattern": { "type": "string" },
          "runner": { "$ref": "#/components/schemas/RunnerKind" }
        },
        "additionalProperties": false
      },
      "RuleDetail": {
        "type": "object",
        "required": ["id", "pattern", "runner", "args"],
        "properties": {
          "id": { "type": "string" },
          "pattern": { "type": "string" },
          "runner": { "$ref": "#/components/schemas/RunnerKind" },
          "args": { "type": "array", "items": { "type": "string" } }
        },
        "additionalProperties": false
      },
      "RuleBody": {
        "type": "object",
        "required": ["pattern", "runner", "args"],
        "description": "args are the RULE SET tokens after the kind, validated as RULE SET validates them: shell <command words> (joined by one space; [] = empty command), direct <executable> [args] ([] allowed), awf <workflow> [--input k=v]..., http GET|POST|PUT|DELETE <http(s)://url>, amqp <dsn> <exchange> <routing-key>, redis <redis://url> PUBLISH|RPUSH|LPUSH|SET <key>.",
        "properties": {
          "pattern": { "type": "string" },
          "runner": { "$ref": "#/components/schemas/RunnerKind" },
          "args": { "type": "array", "items": { "type": "string" } }
        }
      },
      "Stat": {
        "type": "object",
        "required": ["uptime_ns", "connections", "jobs_total", "jobs_planned", "jobs_triggered", "jobs_executed", "jobs_failed", "rules_total", "executions_pending", "executions_inflight", "persistence", "compression", "auth_enabled", "tls_enabled", "framerate"],
        "properties": {
          "uptime_ns": { "type": "integer", "minimum": 0 },
          "connections": { "type": "integer", "minimum": 0 },
          "jobs_total": { "type": "integer", "minimum": 0 },
          "jobs_planned": { "type": "integer", "minimum": 0 },
          "jobs_triggered": { "type": "integer", "minimum": 0 },
          "jobs_executed": { "type": "integer", "minimum": 0 },
          "jobs_failed": { "type": "integer", "minimum": 0 },
          "rules_total": { "type": "integer", "minimum": 0 },
          "executions_pending": { "type": "integer", "minimum": 0 },
          "executions_inflight": { "type": "integer", "minimum": 0 },
          "persistence": { "type": "string", "enum": ["logfile", "memory"] },
          "compression": { "type": "string", "enum": ["idle", "running", "success", "failure"] },
          "auth_enabled": { "type": "integer", "enum": [0, 1] },
          "tls_enabled": { "type": "integer", "enum": [0, 1] },
          "framerate": { "type": "integer", "minimum": 1, "maximum": 65535 }
        },
        "additionalProperties": false
      }
    },
    "responses": {
      "BadRequest": { "description": "Malformed request: missing resource id, bad percent escape, missing content-length, invalid json, invalid runner arguments, or a refused schedule.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Unauthorized": {
        "description": "Auth is on and the request has no valid bearer token.",
        "headers": { "WWW-Authenticate": { "schema": { "type": "string", "const": "Bearer" } } },
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
      },
      "Forbidden": { "description": "The id (or a rule's pattern) is outside the token's namespace.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "NotFound": { "description": "No such job or rule.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "TooLarge": { "description": "The body is over 1 MiB.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Unavailable": { "description": "The journal refused the mutation (for example a full disk); nothing changed.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    }
  },
  "security": [{ "bearer": [] }, {}],
  "paths": {
    "/health": {
      "get": {
        "operationId": "health",
        "security": [],
        "responses": {
          "200": {
            "description": "The server is up.",
            "content": { "application/json": { "schema": { "type": "object", "required": ["status"], "properties": { "status": { "type": "string", "const": "ok" } }, "additionalProperties": false } } }
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "security": [],
        "responses": {
          "200": { "description": "This document.", "content": { "application/json": { "schema": { "type": "object" } } } }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "description": "The STAT values and the server's event counters in the Prometheus text exposition format, version 0.0.4. Any valid token may read it.",
        "responses": {
          "200": { "description": "The exposition.", "content": { "text/plain": { "schema": { "type": "string" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/stat": {
      "get": {
        "operationId": "stat",
        "description": "The STAT values of the line protocol, same keys and order. Any valid token may read it.",
        "responses": {
          "200": { "description": "Server metrics.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Stat" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/jobs": {
      "get": {
        "operationId": "listJobs",
        "description": "Jobs whose id starts with prefix, inside the token's namespace, sorted by id. A long listing is sent with chunked transfer coding.",
        "parameters": [{ "$ref": "#/components/parameters/prefix" }],
        "responses": {
          "200": { "description": "The jobs.", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/jobs/{id}": {
      "parameters": [{ "$ref": "#/components/parameters/id" }],
      "get": {
        "operationId": "getJob",
        "responses": {
          "200": { "description": "The job.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      },
      "put": {
        "operationId": "putJob",
        "description": "Creates or replaces the job, planned at the given time (the line protocol's SET), recurring with every or cron (SET ... EVERY / CRON). Answered once the change is journaled, with the job as GET returns it.",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobBody" } } } },
        "responses": {
          "200": { "description": "The job as stored.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "413": { "$ref": "#/components/responses/TooLarge" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      },
      "delete": {
        "operationId": "deleteJob",
        "responses": {
          "204": { "description": "Removed." },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/rules": {
      "get": {
        "operationId": "listRules",
        "description": "Rules whose id starts with prefix, inside the token's namespace, sorted by id.",
        "parameters": [{ "$ref": "#/components/parameters/prefix" }],
        "responses": {
          "200": { "description": "The rules.", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Rule" } } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/rules/{id}": {
      "parameters": [{ "$ref": "#/components/parameters/id" }],
      "get": {
        "operationId": "getRule",
        "responses": {
          "200": { "description": "The rule with its arguments.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RuleDetail" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" }
        }
      },
      "put": {
        "operationId": "putRule",
        "description": "Creates or replaces the rule (the line protocol's RULE SET). Answered once the change is journaled.",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RuleBody" } } } },
        "responses": {
          "200": { "description": "The rule as stored.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Rule" } } } },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "413": { "$ref": "#/components/responses/TooLarge" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      },
      "delete": {
        "operationId": "deleteRule",
        "responses": {
          "204": { "description": "Removed." },
          "400": { "$ref": "#/components/responses/BadRequest" },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "403": { "$ref": "#/components/responses/Forbidden" },
          "404": { "$ref": "#/components/responses/NotFound" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    }
  }
}
"""#
}
