#!/usr/bin/env python3
"""Runs the malformed-input corpus: every case in cases.txt must fail cleanly.

A clean failure is exit status 1 (not a signal, not an abort), a diagnostic
on stderr that starts with the tool's name and contains the case's expected
text, and no sanitizer report. Binary cases are generated first (see generate.py).

usage: run_cases.py --tools BIN_DIR --work DIR [--protoc PROTOC] [--filter RE]
"""
import argparse
import pathlib
import re
import shlex
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
import generate  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
SANITIZER_REPORT = re.compile(r"Sanitizer|runtime error:")
TIMEOUT_S = 120


class Case:
    def __init__(self, line_no, file, command, expected):
        self.line_no, self.file, self.command, self.expected = (
            line_no, file, command, expected)

    @property
    def name(self):
        return f"{self.file or '-'} [{self.line_no}]"


def read_manifest(path):
    cases = []
    for line_no, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            sys.exit(f"{path}:{line_no}: expected 'file | command | text'")
        cases.append(Case(line_no, *parts))
    return cases


def resolve_file(name, gen_dir):
    """Text inputs live in inputs/, binary ones in the generated dir."""
    for candidate in (HERE / "inputs" / name, gen_dir / name):
        if candidate.exists():
            return candidate
    return None


def run_case(case, tools_dir, gen_dir, tmp_dir):
    """Returns None on success or a reason for the failure."""
    path = None
    if case.file != "-":
        path = resolve_file(case.file, gen_dir)
        if path is None:
            return f"case file {case.file} not found"
    argv = []
    for word in shlex.split(case.command):
        word = word.replace("{tmp}", str(tmp_dir))
        word = word.replace("{inputs}", str(HERE / "inputs"))
        word = word.replace("{gen}", str(gen_dir))
        if path is not None:
            word = word.replace("{}", str(path))
        argv.append(word)
    tool = tools_dir / argv[0]
    if not tool.exists():
        return f"tool {argv[0]} is not built"
    tool_name, argv[0] = argv[0], str(tool)
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"timed out after {TIMEOUT_S} s"
    stderr = proc.stderr.decode("utf-8", "replace")
    expect_ok = case.expected == "<ok>"
    if SANITIZER_REPORT.search(stderr):
        return "sanitizer report:\n" + stderr
    if proc.returncode < 0:
        return f"killed by signal {-proc.returncode}:\n{stderr}"
    if expect_ok:
        if proc.returncode != 0:
            return f"exit status {proc.returncode}, expected 0:\n{stderr}"
        return None
    if proc.returncode != 1:
        return f"exit status {proc.returncode}, expected 1:\n{stderr}"
    if not stderr.startswith(tool_name + ": "):
        return f"stderr does not start with '{tool_name}: ':\n{stderr}"
    if case.expected not in stderr:
        return f"stderr lacks '{case.expected}':\n{stderr}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", required=True, type=pathlib.Path)
    parser.add_argument("--work", required=True, type=pathlib.Path)
    parser.add_argument("--protoc", default="protoc")
    parser.add_argument("--filter", default="", help="regex over case files")
    args = parser.parse_args()

    gen_dir = args.work / "generated"
    tmp_dir = args.work / "tmp"
    # A folder with a model's extension, for "a directory given as model".
    (tmp_dir / "model_dir.onnx").mkdir(parents=True, exist_ok=True)
    generate.generate(HERE / "inputs", gen_dir, args.protoc)

    cases = read_manifest(HERE / "cases.txt")
    cases = [c for c in cases if re.search(args.filter, c.file)]
    failed = 0
    for case in cases:
        reason = run_case(case, args.tools, gen_dir, tmp_dir)
        if reason is None:
            print(f"PASS {case.name}: {case.command}")
        else:
            failed += 1
            print(f"FAIL {case.name}: {case.command}: {reason}")
    print(f"malformed: {len(cases) - failed} passed, {failed} failed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
