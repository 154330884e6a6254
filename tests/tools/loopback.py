"""tests/tools/loopback.py - the serving loop shared by the Python test
servers (schema_registry.py, webhook_receiver.py): a threaded HTTP server
on 127.0.0.1 and a random free port, announced as "PORT <n>" on stdout,
serving until stdin closes (the test closes it, or dies), so no server
outlives its test."""
import sys
import threading
from http.server import ThreadingHTTPServer


def serve(handler, ssl_context=None):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    if ssl_context is not None:
        srv.socket = ssl_context.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("PORT %d" % srv.server_address[1], flush=True)
    sys.stdin.read()
    srv.shutdown()
