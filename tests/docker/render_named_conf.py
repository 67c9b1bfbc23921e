#!/usr/bin/env python3
"""Renders the Docker test's named.conf from the shipped one.

Only addresses and ports change (host networking on loopback, free ports), so the test runs the
deployment's own zone, key, update-policy and transfer rules of deploy/named/named.conf. Each
replacement must match exactly once, so a change to the shipped file that the test no longer
understands fails here instead of being tested blind. (The gateway is configured through its
environment: tests/docker/compose.host.yml.)
"""
import argparse
import pathlib
import re
import sys


def replace_once(text, pattern, replacement, what):
    new, count = re.subn(pattern, replacement, text, flags=re.M)
    if count != 1:
        sys.exit(f"render_named_conf: {what}: expected one match of {pattern!r}, found {count}")
    return new


def named_conf(text, a):
    text = replace_once(text, r"^(\s*)listen-on \{ any; \};", rf"\1listen-on port {a.named_port} {{ 127.0.0.1; }};",
                        "listen-on")
    text = replace_once(text, r"^(\s*)listen-on-v6 \{ any; \};", r"\1listen-on-v6 { none; };", "listen-on-v6")
    return replace_once(text, r"inet 127\.0\.0\.1 port 953 ", f"inet 127.0.0.1 port {a.rndc_port} ", "controls")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("source")
    p.add_argument("out")
    for name in ("named", "rndc"):
        p.add_argument(f"--{name}-port", type=int, required=True)
    a = p.parse_args()
    src, out = pathlib.Path(a.source), pathlib.Path(a.out)
    (out / "named.conf").write_text(named_conf((src / "deploy/named/named.conf").read_text(), a))
    (out / "named.conf").chmod(0o644)  # read by named's bind user in the container


if __name__ == "__main__":
    main()
