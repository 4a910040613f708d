#!/usr/bin/env python3
"""Regenerates the CHECK lines of lit tests from the tools' current output.

For each test, runs the RUN line that pipes into FileCheck (without the
FileCheck stage), then replaces the test's CHECK lines for that prefix with
one CHECK/CHECK-NEXT line per output line. Read the new lines before
committing them: they record what the tools print, not what is right.

usage: test/lit/update-checks.py [--build build] TEST...
"""
import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUN_RE = re.compile(r"^\s*(#|//)\s*RUN:\s*(.*)$")
TOOLS = ("kiln-opt", "kiln-run", "kiln-conformance")


def expand(cmd, test, build):
    """Applies the lit substitutions this script understands."""
    tmp = build / "test" / "lit" / "Output" / (test.name + ".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    cmd = cmd.replace("%s", str(test)).replace("%t", str(tmp))
    cmd = cmd.replace("%models", str(ROOT / "test" / "models"))
    for tool in TOOLS:
        cmd = re.sub(r"(?<![\w./%-])" + re.escape(tool) + r"(?![\w./-])",
                     str(build / "bin" / tool), cmd)
    # lit's `not` inverts the exit status; here the status does not matter.
    cmd = re.sub(r"(?<![\w./%-])not\s+", "", cmd)
    return cmd


def escape(line, test):
    line = line.replace(str(test), "{{.*}}" + test.name)
    line = line.replace("[[", "{{\\[\\[}}")
    return line.rstrip()


def update(test, build):
    text = test.read_text().splitlines()
    comment = "//" if test.suffix == ".kir" else "#"
    runs = [m.group(2) for line in text if (m := RUN_RE.match(line))]
    piped = [r for r in runs if re.search(r"\|\s*FileCheck\b", r)]
    if not piped:
        print(f"{test}: no RUN line pipes into FileCheck", file=sys.stderr)
        return False
    producer, checker = re.split(r"\|\s*(?=FileCheck\b)", piped[0], 1)
    prefix_m = re.search(r"--check-prefix(?:es)?[= ](\w+)", checker)
    prefix = prefix_m.group(1) if prefix_m else "CHECK"
    # Earlier RUN lines (e.g. writing %t) must run first.
    for before in runs[: runs.index(piped[0])]:
        subprocess.run(expand(before, test, build), shell=True,
                       executable="/bin/bash", capture_output=True)
    proc = subprocess.run(expand(producer, test, build), shell=True,
                          executable="/bin/bash", capture_output=True,
                          text=True)
    output = proc.stdout.rstrip("\n").split("\n")
    checks = []
    for i, line in enumerate(output):
        line = escape(line, test)
        kind = prefix if i == 0 else (f"{prefix}-NEXT" if line.strip()
                                      else f"{prefix}-EMPTY")
        checks.append(f"{comment} {kind}:" + (f" {line}" if line else ""))

    check_re = re.compile(r"^\s*(#|//)\s*" + re.escape(prefix) +
                          r"(-NEXT|-EMPTY|-SAME|-NOT|-LABEL|-DAG)?:")
    kept, insert_at = [], None
    for line in text:
        if check_re.match(line):
            if insert_at is None:
                insert_at = len(kept)
            continue
        kept.append(line)
    if insert_at is None:
        while kept and not kept[-1].strip():
            kept.pop()
        kept.append("")
        insert_at = len(kept)
    kept[insert_at:insert_at] = checks
    test.write_text("\n".join(kept) + "\n")
    print(f"{test}: {len(checks)} {prefix} lines")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=pathlib.Path, default=ROOT / "build")
    parser.add_argument("tests", nargs="+", type=pathlib.Path)
    args = parser.parse_args()
    build = args.build.resolve()
    ok = all([update(t.resolve(), build) for t in args.tests])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
