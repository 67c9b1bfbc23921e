#!/usr/bin/env python3
"""Runs the side-by-side benchmark (argv[1:] is its command line) and checks that it produced
every figure: each key below printed once as `figure KEY VALUE UNIT` with a number, every
measurement with successful requests. It never judges a speed: that is what the benchmark is for.
Exit status 1 names what is missing."""
import re
import subprocess
import sys

MEASURES = (
    [f"bind.changes.{c}" for c in (1, 8, 64)]
    + ["bind.at100"]
    + [f"gateway.changes.{c}" for c in (1, 8, 64)]
    + ["gateway.changes.at100"]
    + [f"gateway.nochg.{m}.{c}" for m in ("close", "keepalive", "keepalive_ev") for c in (8, 64)]
    + [f"hello.{m}.{c}" for m in ("close", "keepalive", "keepalive_ev") for c in (8, 64)]
    + ["memory.load"]
)
PROCESSES = {"bind": ["named"], "gateway.changes": ["gateway", "postgres", "named"],
             "gateway.nochg": ["gateway", "postgres"], "hello": ["hello"], "memory": ["gateway"]}
RATIOS = [f"ratio.changes_vs_bind.{c}" for c in (1, 8, 64)] + [
    "ratio.change_p99_minus_bind_p99"] + [
    f"ratio.nochg_vs_hello.{m}.{c}" for m in ("close", "keepalive", "keepalive_ev") for c in (8, 64)]
BIG = ["memory.hosts", "memory.startup", "memory.connections_held",
       "memory.connections_open_after", "memory.rss_idle",
       "memory.rss_holding", "memory.rss_peak", "sweep.hosts", "sweep.left", "sweep.seconds",
       "sweep.rate", "sweep.load"]


def expected():
    keys = list(RATIOS) + BIG
    for m in MEASURES:
        keys += [f"{m}.{k}" for k in ("load1", "quiet", "rate", "p50", "p99", "errors")]
        prefix = next(p for p in PROCESSES if m.startswith(p))
        for proc in PROCESSES[prefix]:
            keys += [f"{m}.cpu_per_1k.{proc}", f"{m}.mem_peak.{proc}"]
        if m.startswith("gateway."):
            keys += [f"{m}.log_rows", f"{m}.log_complete"]
        if re.fullmatch(r"gateway\.changes\.\d+", m):
            keys += [f"{m}.messages", f"{m}.operations_per_message"]
    return keys


def main() -> int:
    run = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    print(run.stdout)
    figures = {}
    for line in run.stdout.splitlines():
        match = re.match(r"^figure (\S+)\s+(-?[0-9.]+) \S+$", line)
        if match:
            figures.setdefault(match.group(1), []).append(float(match.group(2)))
    problems = [f"missing figure {k}" for k in expected() if k not in figures]
    problems += [f"figure {k} printed {len(v)} times" for k, v in figures.items() if len(v) != 1]
    problems += [f"{m}: no successful request" for m in MEASURES
                 if figures.get(f"{m}.rate", [0])[0] <= 0]
    # The process a measurement is about must have used some CPU (PostgreSQL may rightly not).
    problems += [f"{m}: no CPU time measured for {p}" for m in MEASURES
                 for p in PROCESSES[next(x for x in PROCESSES if m.startswith(x))][:1]
                 if figures.get(f"{m}.cpu_per_1k.{p}", [0])[0] <= 0]
    if figures.get("sweep.left", [1])[0] != 0:
        problems.append("sweep: expired hosts left in DNS")
    if run.returncode != 0:
        problems.append(f"the benchmark exited with status {run.returncode}")
    for p in problems:
        print("CHECK FAILED:", p)
    print(f"checked {len(expected())} figures: {'ok' if not problems else 'FAILED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
