#!/usr/bin/env python3
"""Checks that every #include follows the arrows of docs/layout.md.

Modules: nsupdate <- auth <- sql <- gateway, and nsupdate <- agent (a module includes only its
own headers and those of the modules before it). Inside gateway, a file in gateway/{include/ddns/gateway,src}/<layer>/ may include headers of its own layer and of
the layers listed for it below, and nothing else of the gateway. Exit status 1 lists each
offending include as file:line.
"""
import pathlib
import re
import sys

ALLOWED = {
    "base": set(),
    "http": {"base"},
    "core": {"base"},
    "account": {"base", "core"},
    "dialects": {"base", "http", "core"},
    "jobs": {"base", "http", "core"},
    "web": {"base", "http", "core", "account"},
    "config": {"base", "http", "core", "account", "web"},
    "cli": {"base", "http", "core", "account", "dialects", "jobs", "web", "config"},
}
MODULES = {
    "nsupdate": set(),
    "auth": {"nsupdate"},
    "sql": {"nsupdate", "auth"},
    "gateway": {"nsupdate", "auth", "sql"},
    # The client program: address value types only, never the server's modules.
    "agent": {"nsupdate"},
}
MODULE_INCLUDE = re.compile(r'^\s*#\s*include\s+"ddns/([a-z_]+)/')
INCLUDE = re.compile(r'^\s*#\s*include\s+"ddns/gateway/([a-z_]+)/')


def layer_of(path: pathlib.Path, gateway: pathlib.Path) -> str | None:
    rel = path.relative_to(gateway).parts
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    if rel[:3] == ("include", "ddns", "gateway") and len(rel) > 4:
        return rel[3]
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    gateway = root / "gateway"
    problems = []
    for module, allowed in MODULES.items():
        for path in sorted((root / module).rglob("*.[ch]pp")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = MODULE_INCLUDE.match(line)
                if match and match.group(1) != module and match.group(1) not in allowed:
                    problems.append(
                        f"{path.relative_to(root)}:{number}: {module} may not include "
                        f"{match.group(1)}"
                    )
    for path in sorted(gateway.rglob("*.[ch]pp")):
        layer = layer_of(path, gateway)
        if layer is None:
            problems.append(f"{path.relative_to(root)}: not inside a layer folder")
            continue
        if layer not in ALLOWED:
            problems.append(f"{path.relative_to(root)}: unknown layer '{layer}'")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if match and match.group(1) != layer and match.group(1) not in ALLOWED[layer]:
                problems.append(
                    f"{path.relative_to(root)}:{number}: {layer} may not include {match.group(1)}"
                )
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
