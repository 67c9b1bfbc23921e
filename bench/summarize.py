#!/usr/bin/env python3
"""Turns the output of ddns_side_by_side_bench (its `figure KEY VALUE UNIT` lines) into the
Markdown tables of docs/performance.md: python3 bench/summarize.py build/bench/side-by-side-*.txt"""
import re
import sys


def load(path):
    figures = {}
    for line in open(path, encoding="utf-8"):
        match = re.match(r"^figure (\S+)\s+(-?[0-9.]+) \S+$", line)
        if match:
            figures[match.group(1)] = float(match.group(2))
    return figures


def peer_table(f, g, ms, cpu):
    """The peer dyndns2 server (--peer-url) beside the gateway."""
    procs = sorted({k.split(".cpu_per_1k.")[1] for k in f if k.startswith("peer.")
                    and ".cpu_per_1k." in k})
    print()
    print("| path | clients | gateway | peer | gateway / peer | p50 / p99 peer | "
          "load at start (gateway / peer) | peer CPU s per 1,000 (" + " / ".join(procs) + ") |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [("committed changes/s", c, f"gateway.changes.{c}", f"peer.changes.{c}",
             f"ratio.changes_vs_peer.{c}") for c in ("1", "8", "64")]
    rows += [("no-change answers/s, connection per request", c, f"gateway.nochg.close.{c}",
              f"peer.nochg.close.{c}", f"ratio.nochg_vs_peer.close.{c}") for c in ("8", "64")]
    for label, c, gw, peer, ratio in rows:
        cpus = " / ".join(cpu(f"{peer}.cpu_per_1k.{p}") for p in procs) or "-"
        print(f"| {label} | {c} | {g(gw + '.rate')} | {g(peer + '.rate')} | "
              f"{g(ratio, '{:.1f}')}x | {ms(peer + '.p50')} / {ms(peer + '.p99')} ms | "
              f"{ms(gw + '.load1')} / {ms(peer + '.load1')} | {cpus} |")


def main() -> int:
    f = load(sys.argv[1])
    g = lambda key, fmt="{:,.0f}": fmt.format(f[key]) if key in f else "-"  # noqa: E731
    ms = lambda key: g(key, "{:.1f}")  # noqa: E731
    cpu = lambda key: g(key, "{:.2f}")  # noqa: E731
    print("| path | in flight | BIND alone | gateway | ratio | load at start (BIND / gateway) |")
    print("|---|---|---|---|---|---|")
    for c in ("1", "8", "64"):
        print(f"| committed changes/s, one zone | {c} | {g(f'bind.changes.{c}.rate')} | "
              f"{g(f'gateway.changes.{c}.rate')} | {g(f'ratio.changes_vs_bind.{c}', '{:.2f}')}x | "
              f"{ms(f'bind.changes.{c}.load1')} / {ms(f'gateway.changes.{c}.load1')} |")
    print(f"| p50 / p99 at 100 changes/s offered | - | {ms('bind.at100.p50')} / "
          f"{ms('bind.at100.p99')} ms | {ms('gateway.changes.at100.p50')} / "
          f"{ms('gateway.changes.at100.p99')} ms | p99 difference "
          f"{ms('ratio.change_p99_minus_bind_p99')} ms | {ms('bind.at100.load1')} / "
          f"{ms('gateway.changes.at100.load1')} |")
    print()
    print("| no-change answers/s | clients | POCO hello-world | gateway | ratio | "
          "p50 / p99 gateway | load at start (hello / gateway) |")
    print("|---|---|---|---|---|---|---|")
    for mode in ("close", "keepalive", "keepalive_ev"):
        for c in ("8", "64"):
            k = f"{mode}.{c}"
            kind = {"close": "connection per request", "keepalive": "keep-alive",
                    "keepalive_ev": "keep-alive, event-driven clients"}[mode]
            print(f"| {kind} | {c} | "
                  f"{g(f'hello.{k}.rate')} | {g(f'gateway.nochg.{k}.rate')} | "
                  f"{g(f'ratio.nochg_vs_hello.{k}', '{:.2f}')}x | "
                  f"{ms(f'gateway.nochg.{k}.p50')} / {ms(f'gateway.nochg.{k}.p99')} ms | "
                  f"{ms(f'hello.{k}.load1')} / {ms(f'gateway.nochg.{k}.load1')} |")
    print()
    print("| measurement | CPU s per 1,000 requests: gateway / PostgreSQL / named (hello) | "
          "load generator | cores used | "
          "peak MiB: gateway / PostgreSQL (PSS) / named | update log rows / requests |")
    print("|---|---|---|---|---|---|")
    rows = [f"bind.changes.{c}" for c in ("1", "8", "64")] + ["bind.at100"]
    rows += [f"gateway.changes.{c}" for c in ("1", "8", "64")] + ["gateway.changes.at100"]
    modes = ("close", "keepalive", "keepalive_ev")
    rows += [f"gateway.nochg.{m}.{c}" for m in modes for c in ("8", "64")]
    rows += [f"hello.{m}.{c}" for m in modes for c in ("8", "64")]
    for r in rows:
        procs = ["hello"] if r.startswith("hello") else ["gateway", "postgres", "named"]
        cpus = " / ".join(cpu(f"{r}.cpu_per_1k.{p}") for p in procs)
        mems = " / ".join(g(f"{r}.mem_peak.{p}") for p in procs)
        log = (f"{g(f'{r}.log_complete', '{:.1f}')}%" if f"{r}.log_complete" in f else "-")
        busy = cpu(f"{r}.cores_used")
        print(f"| {r} | {cpus} | {cpu(f'{r}.cpu_per_1k.loadgen')} | {busy} | {mems} | {log} |")
    if "peer.changes.64.rate" in f or "peer.nochg.close.8.rate" in f:
        peer_table(f, g, ms, cpu)
    if "memory.hosts" in f:
        print()
        print(f"Memory: {g('memory.hosts')} hosts in the database, "
              f"{g('memory.connections_held')} connections held "
              f"({g('memory.connections_open_after')} still open after the load): RSS idle "
              f"{ms('memory.rss_idle')} MiB, holding {ms('memory.rss_holding')} MiB, peak "
              f"(VmHWM, with 8 keep-alive clients on top) {ms('memory.rss_peak')} MiB; restart "
              f"to first answer {cpu('memory.startup')} s.")
    if "sweep.hosts" in f:
        print(f"Sweep: {g('sweep.hosts')} expired hosts, {g('sweep.left')} left in DNS after "
              f"{ms('sweep.seconds')} s ({g('sweep.rate')} hosts/s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
