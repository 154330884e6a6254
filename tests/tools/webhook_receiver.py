#!/usr/bin/env python3
"""tests/tools/webhook_receiver.py - an HTTP receiver for the webhook tests
(stdlib only, loopback): it records every request, verifies signatures, and
fails, slows down and recovers on command.

  webhook_receiver.py

Prints "PORT <n>" once it listens on 127.0.0.1:<n> (a random free port),
then serves until its stdin closes.

Any POST to a path other than /_... is a webhook call: it is recorded
(path, headers, body, arrival time, signature check) and answered by the
path's plan: the next queued step, else the path's default step, else 200.
A step is {"status": N, "retry_after": "S", "delay_ms": N, "body": "..."}:
it sleeps delay_ms first (to outlast a client timeout), then answers.

Control (JSON bodies):
  POST /_control  {"path": "/a", "steps": [step...], "default": step,
                   "secret": "..."}    set the plan (and the HMAC secret)
  GET  /_requests?path=/a               the recorded calls, oldest first:
       [{"path", "headers": {lower-case name: value}, "body", "time",
         "sig": "ok" | "bad" | "stale" | "missing" | "unchecked",
         "status": answered status}]
  POST /_reset                          forget plans and records

Signature check, as docs/sinks.md tells receivers to do: header
X-Lineaged-Signature "t=<unix>,v1=<hex>", expected
hex(HMAC-SHA256(secret, "<t>." + raw body)), compared in constant time;
"stale" when t is more than 300 s from now.
"""
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from loopback import serve

TOLERANCE_S = 300


def verify(secret, header, body, now=None):
    """The receiver side of X-Lineaged-Signature (see docs/sinks.md)."""
    if not header:
        return "missing"
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return "bad"
    mac = hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, parts.get("v1", "")):
        return "bad"
    if abs((now or time.time()) - t) > TOLERANCE_S:
        return "stale"
    return "ok"


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.plans = {}  # path -> {"steps": [...], "default": step, "secret": str}
        self.records = []


def make_handler(st):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, body=b"", ctype="application/json", extra=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/_requests":
                return self.reply(404)
            path = urllib.parse.parse_qs(url.query).get("path", [None])[0]
            with st.lock:
                out = [r for r in st.records if path is None or r["path"] == path]
                data = json.dumps(out).encode()
            self.reply(200, data)

        def do_POST(self):
            body = self.read_body()
            path = urllib.parse.urlsplit(self.path).path
            if path == "/_reset":
                with st.lock:
                    st.reset()
                return self.reply(200, b"{}")
            if path == "/_control":
                c = json.loads(body)
                with st.lock:
                    p = st.plans.setdefault(c["path"], {"steps": [], "default": None})
                    if "steps" in c:
                        p["steps"] = list(c["steps"])
                    if "default" in c:
                        p["default"] = c["default"]
                    if "secret" in c:
                        p["secret"] = c["secret"]
                return self.reply(200, b"{}")
            with st.lock:
                plan = st.plans.get(path, {"steps": [], "default": None})
                step = plan["steps"].pop(0) if plan["steps"] else plan["default"]
                step = step or {"status": 200}
                secret = plan.get("secret")
                rec = {
                    "path": path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", "replace"),
                    "time": time.time(),
                    "sig": verify(secret, self.headers.get("X-Lineaged-Signature"), body)
                    if secret else "unchecked",
                    "status": step.get("status", 200),
                }
                st.records.append(rec)
            if step.get("delay_ms"):
                time.sleep(step["delay_ms"] / 1000.0)
            extra = {}
            if "retry_after" in step:
                extra["Retry-After"] = str(step["retry_after"])
            answer = step.get("body", json.dumps({"ok": step.get("status", 200) < 300}))
            try:
                self.reply(step.get("status", 200), answer.encode(), extra=extra)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout)

    return Handler


def main():
    serve(make_handler(State()))


if __name__ == "__main__":
    main()
