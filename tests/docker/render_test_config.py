#!/usr/bin/env python3
"""Renders the Docker test's gateway.conf and named.conf from the shipped ones.

Only addresses and ports change (host networking on loopback, free ports), so the test runs the
deployment's own settings: the zone, key and update-policy of deploy/named/named.conf and every
other key of deploy/gateway.conf. Each replacement must match exactly once, so a change to the
shipped files that the test no longer understands fails here instead of being tested blind.
"""
import argparse
import pathlib
import re
import sys


def replace_once(text, pattern, replacement, what):
    new, count = re.subn(pattern, replacement, text, flags=re.M)
    if count != 1:
        sys.exit(f"render_test_config: {what}: expected one match of {pattern!r}, found {count}")
    return new


def gateway_conf(text, a):
    keys = {
        # PGPASSWORD comes from the compose file, as in the deployment.
        "database.url": f"postgresql://ddns@127.0.0.1:{a.pg_port}/ddns",
        "http.listen": f"127.0.0.1:{a.gateway_port}",
        # nginx reaches the gateway from 127.0.0.1; the test's clients use other loopback
        # addresses, so only nginx is trusted.
        "proxy.trusted": "127.0.0.1",
        "metrics.listen": f"127.0.0.1:{a.metrics_port}",
    }
    for key, value in keys.items():
        text = replace_once(text, rf"^{re.escape(key)}\s*=.*$", f"{key} = {value}", key)
    # Loopback addresses are not public: allow them as host addresses for this test only.
    return text + "\n# Docker test only: loopback clients stand for public ones.\naddress.allow = 127.0.0.0/8\n"


def named_conf(text, a):
    text = replace_once(text, r"^(\s*)listen-on \{ any; \};", rf"\1listen-on port {a.named_port} {{ 127.0.0.1; }};",
                        "listen-on")
    text = replace_once(text, r"^(\s*)listen-on-v6 \{ any; \};", r"\1listen-on-v6 { none; };", "listen-on-v6")
    return replace_once(text, r"inet 127\.0\.0\.1 port 953 ", f"inet 127.0.0.1 port {a.rndc_port} ", "controls")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("source")
    p.add_argument("out")
    for name in ("pg", "named", "rndc", "gateway", "metrics"):
        p.add_argument(f"--{name}-port", type=int, required=True)
    a = p.parse_args()
    src, out = pathlib.Path(a.source), pathlib.Path(a.out)
    (out / "gateway.conf").write_text(gateway_conf((src / "deploy/gateway.conf").read_text(), a))
    (out / "named.conf").write_text(named_conf((src / "deploy/named/named.conf").read_text(), a))
    # Read by the gateway's uid 10001 and by named's bind user in the containers.
    for name in ("gateway.conf", "named.conf"):
        (out / name).chmod(0o644)


if __name__ == "__main__":
    main()
