#!/usr/bin/env python3
"""A webhook receiver for the notice tests, as a real receiver would be written.

It listens on 127.0.0.1:PORT and takes POSTs of the gateway's notice documents. Each request's
signature (X-DDNS-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>) is
verified with the secret in --secret-file (read at each request, so a test can write it after
the subscription was made) and the timestamp must lie within 5 minutes. It records one line per
request in --log as JSON: the idempotency key, whether the signature held, whether the key was
seen before (a receiver de-duplicates on it), the status answered and the body. The first
--fail requests are answered 503 (a receiver that is overloaded for a while).
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail", type=int, default=0)
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"count": 0, "seen": set()}
    # Keys answered 2xx before a restart count as seen too (the receiver keeps them durably).
    if os.path.exists(args.log):
        with open(args.log, encoding="utf-8") as f:
            for line in f:
                entry = json.loads(line)
                if 200 <= entry["status"] < 300:
                    state["seen"].add(entry["key"])

    def verify(header, body):
        try:
            with open(args.secret_file, "rb") as f:
                secret = f.read().strip()
        except OSError:
            return False
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        if "t" not in parts or "v1" not in parts:
            return False
        if abs(time.time() - int(parts["t"])) > 300:
            return False
        mac = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, parts["v1"])

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get("Idempotency-Key", "")
            good = verify(self.headers.get("X-DDNS-Signature", ""), body)
            with lock:
                state["count"] += 1
                if state["count"] <= args.fail:
                    status = 503
                elif not good:
                    status = 401
                else:
                    status = 200
                duplicate = key in state["seen"]
                if status == 200:
                    state["seen"].add(key)
                entry = {"key": key, "signature_ok": good, "duplicate": duplicate,
                         "status": status, "content_type": self.headers.get("Content-Type", ""),
                         "body": body.decode("utf-8", "replace")}
                with open(args.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *a):
            sys.stderr.write("webhook receiver: " + (fmt % a) + "\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
