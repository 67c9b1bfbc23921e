#!/usr/bin/env python3
"""Reads a log file given as the argument; every line must be one JSON object with the string
members time, level and msg. Prints each object as FIELD<TAB>VALUE lines (values with
non-printable characters backslash-escaped) and an empty line after each. Exits 1 naming the
first line that is not such an object."""
import json
import sys


def show(value):
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("unicode_escape").decode("ascii")


def main():
    with open(sys.argv[1], "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                obj = json.loads(raw.decode("utf-8"))
            except Exception as e:
                print("line %d is not JSON (%s): %r" % (number, e, raw))
                return 1
            if not isinstance(obj, dict) or not all(
                    isinstance(obj.get(k), str) for k in ("time", "level", "msg")):
                print("line %d lacks time, level or msg: %r" % (number, raw))
                return 1
            for key, value in obj.items():
                print("%s\t%s" % (key, show(value)))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
