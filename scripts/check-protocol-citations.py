#!/usr/bin/env python3
"""Checks that every citation of docs/protocols.md names a section the document has.

A citation is "protocols.md §N" (or "protocols §N"), or a bare "§N" that is not part of an RFC
reference ("RFC 2136 §2.4" is skipped). Sections are the document's "## N. Title" headings
(and "### N.M" for a dotted citation). Scanned: C++ sources and headers, CMake files, scripts,
and the Markdown files outside docs/protocols.md. Exit status 1 lists each citation that does not
resolve as file:line; 2 when the document itself is missing.

    check-protocol-citations.py [ROOT]     check the tree at ROOT (default: .)
    check-protocol-citations.py --self-test
"""
import pathlib
import re
import sys
import tempfile

DOCUMENT = pathlib.Path("docs/protocols.md")
SCANNED_DIRS = ("nsupdate", "auth", "sql", "gateway", "tests", "bench", "scripts", "docs", "deploy")
SCANNED_SUFFIXES = {".cpp", ".hpp", ".h", ".cc", ".py", ".sh", ".txt", ".md", ".cmake"}
HEADING = re.compile(r"^#{2,3}\s+(\d+(?:\.\d+)?)\.?\s")
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)?)")
RFC_BEFORE = re.compile(r"RFC\s*\d+\s*(?:§\s*[\d.]+\s*(?:/|,|and)\s*)*$")


def sections_of(document: pathlib.Path) -> set[str]:
    found = set()
    for line in document.read_text(encoding="utf-8").splitlines():
        m = HEADING.match(line)
        if m:
            found.add(m.group(1))
    return found


def citations_in(line: str) -> list[str]:
    out = []
    for m in SECTION.finditer(line):
        if RFC_BEFORE.search(line[: m.start()].rstrip()):
            continue
        out.append(m.group(1).rstrip("."))
    return out


def scanned_files(root: pathlib.Path):
    extra = [root / name for name in ("README.md", "CMakeLists.txt")]
    for path in extra:
        if path.is_file():
            yield path
    # The document itself, and this script (its self-test cites missing sections on purpose).
    skipped = {(root / DOCUMENT).resolve(), pathlib.Path(__file__).resolve()}
    for top in SCANNED_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix in SCANNED_SUFFIXES:
                if path.resolve() in skipped:
                    continue
                yield path


def check(root: pathlib.Path) -> list[str]:
    document = root / DOCUMENT
    if not document.is_file():
        return [f"{DOCUMENT}: missing"]
    sections = sections_of(document)
    problems = []
    for path in scanned_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for cited in citations_in(line):
                if cited not in sections:
                    rel = path.relative_to(root)
                    problems.append(f"{rel}:{number}: cites §{cited}, which {DOCUMENT} lacks")
    return problems


def self_test() -> int:
    """A tree with one bad citation must fail with exactly that one; the fixed tree must pass."""
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        (root / "docs").mkdir()
        (root / "gateway").mkdir()
        (root / DOCUMENT).write_text("# Doc\n\n## 0. Zero\n\n## 1. One\n\n### 1.2 Detail\n")
        source = root / "gateway" / "a.cpp"
        source.write_text(
            "// protocols.md §1 and §0\n"
            "// RFC 2136 §2.4.2 is not ours, nor RFC 2136 §2.4/§2.5\n"
            "// protocols.md §1.2\n"
            "// protocols.md §7 does not exist\n"
            "// §3 alone does not exist either\n"
        )
        problems = check(root)
        expected = [
            "gateway/a.cpp:4: cites §7, which docs/protocols.md lacks",
            "gateway/a.cpp:5: cites §3, which docs/protocols.md lacks",
        ]
        if problems != expected:
            print("self-test: bad tree gave", problems, "expected", expected)
            return 1
        source.write_text("// protocols.md §1 and §0, RFC 1034 §3.6.2\n")
        if check(root):
            print("self-test: good tree gave", check(root))
            return 1
        (root / DOCUMENT).unlink()
        if check(root) != ["docs/protocols.md: missing"]:
            print("self-test: missing document not reported")
            return 1
    print("self-test passed")
    return 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        return self_test()
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = check(root)
    for p in problems:
        print(p)
    if problems and problems[0].endswith("missing"):
        return 2
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
