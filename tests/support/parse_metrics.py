#!/usr/bin/env python3
"""Reads a Prometheus text exposition on stdin with the prometheus_client parser (the one
Prometheus users rely on, not ours) and prints one sample per line:
NAME<TAB>LABEL=VALUE,...<TAB>VALUE, labels sorted. Exits 1 with the parser's error when the
exposition does not parse."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = sys.stdin.read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others
        print("unparsable exposition: %r" % e)
        return 1
    for family in families:
        for s in family.samples:
            labels = ",".join("%s=%s" % (k, v) for k, v in sorted(s.labels.items()))
            print("%s\t%s\t%r" % (s.name, labels, float(s.value)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
