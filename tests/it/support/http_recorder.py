"""An HTTP/1.1 server for the http sink tests: answers POSTs with scripted status codes and
records every request it receives as one JSON line.

usage: http_recorder.py PORT LOG SCRIPT
SCRIPT is a comma-separated list, one entry per request in arrival order; after the last entry
every request gets 200. An entry is a status code, optionally prefixed:
  sleepN:CODE   wait N milliseconds before answering CODE
  nobody:CODE   answer CODE with no body (Content-Length: 0)
"""
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path, script = int(sys.argv[1]), sys.argv[2], sys.argv[3]
entries = [e for e in script.split(",") if e]
lock = threading.Lock()
count = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            n = count[0]
            count[0] += 1
            record = {
                "n": n,
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": base64.b64encode(body).decode(),
            }
            with open(log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
        entry = entries[n] if n < len(entries) else "200"
        answer = b"ok\n"
        if entry.startswith("sleep"):
            delay, entry = entry[5:].split(":")
            time.sleep(int(delay) / 1000.0)
        if entry.startswith("nobody:"):
            entry = entry[7:]
            answer = b""
        self.send_response(int(entry))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        try:
            self.wfile.write(answer)
        except OSError:
            pass


ThreadingHTTPServer.allow_reuse_address = True
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("listening", flush=True)
server.serve_forever()
