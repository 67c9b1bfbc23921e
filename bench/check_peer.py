#!/usr/bin/env python3
"""Checks the benchmark's peer measurement (--peer-url) end to end against a small dyndns2
server of its own on loopback: every peer figure is produced, every counted `good` and `nochg`
really was answered by the peer, bad peer arguments stop the run with a clear message. It never
judges a speed. argv[1] is ddns_side_by_side_bench."""
import base64
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading

CLIENTS = 64


class Peer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secrets):
        super().__init__(("127.0.0.1", 0), Handler)
        self.secrets = secrets  # user -> (host, secret)
        self.addresses = {}
        self.answers = {"good": 0, "nochg": 0, "badauth": 0}
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        query = dict(kv.split("=", 1) for kv in self.path.partition("?")[2].split("&") if "=" in kv)
        auth = self.headers.get("Authorization", "")
        user, _, secret = base64.b64decode(auth[6:]).decode().partition(":") if auth else ("", "", "")
        host = query.get("hostname")
        with self.server.lock:
            if not self.path.startswith("/dyn/nic/update?") or \
                    self.server.secrets.get(user) != (host, secret):
                word, status = "badauth", 401
            else:
                same = self.server.addresses.get(host) == query.get("myip")
                self.server.addresses[host] = query.get("myip")
                word, status = ("nochg" if same else "good"), 200
            self.server.answers[word] += 1
        body = f"{word} {query.get('myip', '')}".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode, r.stdout


def main() -> int:
    bench = sys.argv[1]
    problems = []
    secrets = {f"u{i}": (f"h{i}.peer.test", f"s{i}") for i in range(CLIENTS)}
    peer = Peer(secrets)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{peer.server_address[1]}/dyn"
    with tempfile.TemporaryDirectory() as tmp:
        clients = os.path.join(tmp, "clients.txt")
        with open(clients, "w") as f:
            f.write("# host user secret\n")
            f.writelines(f"{h} {u} {s}\n" for u, (h, s) in secrets.items())
        few = os.path.join(tmp, "few.txt")
        with open(few, "w") as f:
            f.write("h0.peer.test u0 s0\n")
        wrong = os.path.join(tmp, "wrong.txt")
        with open(wrong, "w") as f:
            f.writelines(f"{h} {u} {'x' if u == 'u7' else s}\n" for u, (h, s) in secrets.items())
        for args, message in (
                (["--peer-url", "http://localhost:1", "--peer-clients", clients], "loopback only"),
                (["--peer-url", url], "needs --peer-clients"),
                (["--peer-url", url, "--peer-clients", few], "1 clients, the measurements need 64"),
                (["--peer-url", url, "--peer-clients", clients, "--peer-pids", "x=1a"], "no PID"),
                (["--peer-pids", "1"], "need --peer-url"),
                (["--quick", "--peer-url", url, "--peer-clients", wrong], "h7.peer.test")):
            status, out = run([bench, "--only", "peer"] + args)
            if status == 0 or message not in out:
                problems.append(f"{args}: expected a failure naming '{message}', got {status}: "
                                f"{out[-300:]}")
        before = dict(peer.answers)
        status, out = run([bench, "--only", "peer", "--quick", "--peer-url", url,
                           "--peer-clients", clients, "--peer-pids", f"{os.getpid()}"])
    print(out)
    figures = {m.group(1): float(m.group(2)) for m in
               re.finditer(r"^figure (\S+)\s+(-?[0-9.]+) \S+$", out, re.M)}
    measures = [f"peer.changes.{c}" for c in (1, 8, 64)] + [f"peer.nochg.close.{c}" for c in (8, 64)]
    for m in measures:
        for k in ("load1", "rate", "p50", "p99", "errors", "cpu_per_1k.peer", "mem_peak.peer"):
            if f"{m}.{k}" not in figures:
                problems.append(f"missing figure {m}.{k}")
        if figures.get(f"{m}.rate", 0) <= 0 or figures.get(f"{m}.errors", 1) != 0:
            problems.append(f"{m}: no successful request, or errors")
    seconds = 1.0  # --quick
    counted = {w: sum(figures.get(f"{m}.rate", 0) * seconds for m in measures if w in m)
               for w in ("changes", "nochg")}
    good = peer.answers["good"] - before["good"]
    nochg = peer.answers["nochg"] - before["nochg"]
    if counted["changes"] > good or counted["nochg"] > nochg:
        problems.append(f"counted {counted} but the peer answered good {good}, nochg {nochg}")
    if status != 0:
        problems.append(f"the benchmark exited with status {status}")
    for p in problems:
        print("CHECK FAILED:", p)
    print("peer check:", "ok" if not problems else "FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
