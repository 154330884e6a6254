#!/usr/bin/env python3
"""tests/tools/schema_registry.py - a small Confluent Schema Registry
compatible server for the tests (stdlib http.server, loopback only).

  schema_registry.py [--user-info USER:PASS] [--compat LEVEL]
                     [--fail-first N] [--tls-cert PEM --tls-key PEM
                     [--tls-client-ca PEM]]

Prints "PORT <n>" on stdout once it listens on 127.0.0.1:<n> (a random
free port), then serves until stdin closes or SIGTERM.

REST API (the subset of Confluent's that clients use):
  POST /subjects/{s}/versions            register -> {"id": N}
  POST /subjects/{s}                     look up a schema -> {subject, version, id, schema}
  GET  /subjects                         subjects
  GET  /subjects/{s}/versions            versions of s
  GET  /subjects/{s}/versions/{v|latest} {subject, version, id, schema}
  GET  /schemas/ids/{id}                 {"schema": ...}
  POST /compatibility/subjects/{s}/versions/{v|latest}[?verbose=true]
                                         {"is_compatible": b, "messages": [...]}
  GET|PUT /config, /config/{s}           {"compatibilityLevel": ...} / {"compatibility": ...}
  GET  /_stats                           request counters (tests only)
Errors are {"error_code": N, "message": "..."} with Confluent's codes
(40401 subject, 40402 version, 40403 schema not found, 409 incompatible,
42201 invalid schema, 42203 invalid compatibility level, 401, 50001).

Compatibility: the Avro schema resolution rules of the Apache Avro Python
library (avro.compatibility, an implementation independent of lineaged's),
for BACKWARD, FORWARD, FULL, their _TRANSITIVE forms and NONE. Registering
runs the check of the subject's level against the earlier versions, as
the real registry does (409 when incompatible).

--fail-first N answers the first N requests with HTTP 503 (error_code
50003), to exercise client retries.
"""
import argparse
import base64
import json
import ssl
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from loopback import serve

LEVELS = ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
          "FULL_TRANSITIVE")


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Registry:
    def __init__(self, level):
        self.lock = threading.Lock()
        self.schemas = []  # id - 1 -> schema text as first registered
        self.by_norm = {}  # normalised text -> id
        self.subjects = {}  # subject -> [id of version 1, 2, ...]
        self.level = level
        self.subject_level = {}
        self.stats = {"requests": 0, "register": 0, "failed_injected": 0}

    @staticmethod
    def parse(text):
        try:
            return avro.schema.parse(text)
        except Exception as e:  # avro raises several types
            raise ApiError(422, 42201, "Invalid schema: %s" % e)

    @staticmethod
    def normalise(text):
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))

    def level_of(self, subject):
        return self.subject_level.get(subject, self.level)

    def incompatibilities(self, subject, text, versions=None):
        """Messages explaining why text cannot follow the versions of
        subject under its level ([] when compatible)."""
        level = self.level_of(subject)
        ids = self.subjects.get(subject, []) if versions is None else versions
        if level == "NONE" or not ids:
            return []
        if not level.endswith("_TRANSITIVE"):
            ids = ids[-1:]
        new = self.parse(text)
        checker = ReaderWriterCompatibilityChecker()
        msgs = []
        for i in ids:
            old = avro.schema.parse(self.schemas[i - 1])
            pairs = []
            if level.startswith(("BACKWARD", "FULL")):
                pairs.append(("BACKWARD", new, old))
            if level.startswith(("FORWARD", "FULL")):
                pairs.append(("FORWARD", old, new))
            for kind, reader, writer in pairs:
                res = checker.get_compatibility(reader, writer)
                if res.compatibility != SchemaCompatibilityType.compatible:
                    msgs.append("%s check against schema id %d failed: %s at %s" % (
                        kind, i, "; ".join(res.messages) or "incompatible",
                        "/" + "/".join(x.strip("/") for x in res.locations if x.strip("/"))))
        return msgs

    def register(self, subject, text):
        self.parse(text)
        norm = self.normalise(text)
        with self.lock:
            self.stats["register"] += 1
            sid = self.by_norm.get(norm)
            versions = self.subjects.get(subject, [])
            if sid is not None and sid in versions:
                return sid
            msgs = self.incompatibilities(subject, text)
            if msgs:
                raise ApiError(409, 409, "Schema being registered is incompatible with an earlier "
                               "schema for subject \"%s\", details: [%s]" % (subject,
                                                                              ", ".join(msgs)))
            if sid is None:
                self.schemas.append(text)
                sid = len(self.schemas)
                self.by_norm[norm] = sid
            self.subjects.setdefault(subject, []).append(sid)
            return sid

    def version(self, subject, v):
        ids = self.subjects.get(subject)
        if not ids:
            raise ApiError(404, 40401, "Subject '%s' not found." % subject)
        if v == "latest" or v == "-1":
            n = len(ids)
        else:
            try:
                n = int(v)
            except ValueError:
                raise ApiError(422, 42202, "The specified version '%s' is not valid." % v)
            if n < 1 or n > len(ids):
                raise ApiError(404, 40402, "Version %s not found." % v)
        sid = ids[n - 1]
        return {"subject": subject, "version": n, "id": sid, "schema": self.schemas[sid - 1]}


def make_handler(reg, user_info, fail_first):
    expected_auth = None
    if user_info:
        expected_auth = "Basic " + base64.b64encode(user_info.encode()).decode()
    failures = {"left": fail_first}
    flock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet
            pass

        def send_json(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            try:
                return json.loads(self.raw or b"{}")
            except ValueError:
                raise ApiError(400, 400, "Unexpected character in the request body")

        def schema_of(self):
            b = self.body()
            if b.get("schemaType", "AVRO") != "AVRO":
                raise ApiError(422, 42201, "only AVRO schemas are supported here")
            if not isinstance(b.get("schema"), str):
                raise ApiError(422, 42201, "Empty schema")
            return b["schema"]

        def handle_any(self, method):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/") if p]
            # read the body first: an early error answer must not leave it
            # in the kept-alive connection
            n = int(self.headers.get("Content-Length") or 0)
            self.raw = self.rfile.read(n) if n else b""
            with reg.lock:
                reg.stats["requests"] += 1
            try:
                if parts == ["_stats"]:
                    with reg.lock:
                        return self.send_json(200, dict(reg.stats))
                with flock:
                    fail = failures["left"] > 0
                    if fail:
                        failures["left"] -= 1
                if fail:
                    with reg.lock:
                        reg.stats["failed_injected"] += 1
                    raise ApiError(503, 50003, "injected failure (--fail-first)")
                if expected_auth and self.headers.get("Authorization") != expected_auth:
                    raise ApiError(401, 401, "Unauthorized")
                return self.route(method, parts, query)
            except ApiError as e:
                self.send_json(e.status, {"error_code": e.code, "message": e.message})

        def route(self, method, p, query):
            if method == "POST" and len(p) == 3 and p[0] == "subjects" and p[2] == "versions":
                return self.send_json(200, {"id": reg.register(p[1], self.schema_of())})
            if method == "POST" and len(p) == 2 and p[0] == "subjects":
                text = self.schema_of()
                norm = reg.normalise(text)
                with reg.lock:
                    ids = reg.subjects.get(p[1])
                    if not ids:
                        raise ApiError(404, 40401, "Subject '%s' not found." % p[1])
                    sid = reg.by_norm.get(norm)
                    if sid not in ids:
                        raise ApiError(404, 40403, "Schema not found")
                    return self.send_json(200, reg.version(p[1], str(ids.index(sid) + 1)))
            if method == "GET" and p == ["subjects"]:
                with reg.lock:
                    return self.send_json(200, sorted(reg.subjects))
            if method == "GET" and len(p) == 3 and p[0] == "subjects" and p[2] == "versions":
                with reg.lock:
                    ids = reg.subjects.get(p[1])
                    if not ids:
                        raise ApiError(404, 40401, "Subject '%s' not found." % p[1])
                    return self.send_json(200, list(range(1, len(ids) + 1)))
            if method == "GET" and len(p) == 4 and p[0] == "subjects" and p[2] == "versions":
                with reg.lock:
                    return self.send_json(200, reg.version(p[1], p[3]))
            if method == "GET" and len(p) >= 3 and p[:2] == ["schemas", "ids"]:
                with reg.lock:
                    try:
                        sid = int(p[2])
                        text = reg.schemas[sid - 1] if sid >= 1 else None
                    except (ValueError, IndexError):
                        text = None
                    if text is None:
                        raise ApiError(404, 40403, "Schema %s not found" % p[2])
                    if len(p) == 3:
                        return self.send_json(200, {"schema": text})
                    if p[3:] == ["versions"]:
                        return self.send_json(200, [
                            {"subject": s, "version": ids.index(sid) + 1}
                            for s, ids in sorted(reg.subjects.items()) if sid in ids])
            if (method == "POST" and len(p) == 5 and p[0] == "compatibility" and
                    p[1] == "subjects" and p[3] == "versions"):
                text = self.schema_of()
                with reg.lock:
                    ids = reg.subjects.get(p[2], [])
                    if p[4] != "latest" and ids:
                        ids = [reg.version(p[2], p[4])["id"]]
                    elif ids and not reg.level_of(p[2]).endswith("_TRANSITIVE"):
                        ids = ids[-1:]
                    msgs = reg.incompatibilities(p[2], text, ids)
                out = {"is_compatible": not msgs}
                if query.get("verbose", ["false"])[0] == "true":
                    out["messages"] = msgs
                return self.send_json(200, out)
            if p and p[0] == "config" and len(p) <= 2:
                if method == "GET":
                    with reg.lock:
                        lvl = reg.level_of(p[1]) if len(p) == 2 else reg.level
                    return self.send_json(200, {"compatibilityLevel": lvl})
                if method == "PUT":
                    lvl = self.body().get("compatibility", "")
                    if lvl not in LEVELS:
                        raise ApiError(422, 42203, "Invalid compatibility level")
                    with reg.lock:
                        if len(p) == 2:
                            reg.subject_level[p[1]] = lvl
                        else:
                            reg.level = lvl
                    return self.send_json(200, {"compatibility": lvl})
            raise ApiError(404, 404, "HTTP 404 Not Found")

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

        def do_PUT(self):
            self.handle_any("PUT")

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user-info", default="")
    ap.add_argument("--compat", default="BACKWARD", choices=LEVELS)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-client-ca")
    a = ap.parse_args()
    ctx = None
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.tls_client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.tls_client_ca)
    serve(make_handler(Registry(a.compat), a.user_info, a.fail_first), ctx)


if __name__ == "__main__":
    main()
