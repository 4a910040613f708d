#!/usr/bin/env python3
"""Pass-pipeline checks on torchvision models (ResNet-50, MobileNetV2).

Exports the models with bench/zoo.py (Debian's python3-torch),
then for each model:
  * `kilnc --stats -O0` and `-O3`: the kernel counts, with the -O3 count under
    the model's limit (fusion, BN folding and the layout pass at work);
  * `--verify-each` on the -O3 compile (the verifier after every pass);
  * compiled -O3 output against the interpreter at -O0 on the same random
    input (kiln-run --target=host vs --target=interp).
Exits 77 (ctest: skipped) when torch is not installed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

LIMITS = {"resnet50": 60, "mobilenet_v2": 70}
# Absolute tolerances far below each model's output magnitude (randomly
# initialized MobileNetV2 gives logits around 1e-10), so rtol decides.
ATOL = {"resnet50": "1e-6", "mobilenet_v2": "1e-15"}
DEBIAN_PYTHON = "/usr/bin/python3"  # Debian's torch is not in other pythons


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}\n"
                 f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def kernels(kilnc, model, level, out, extra=()):
    r = run([kilnc, model, f"-O{level}", "--stats", "-o", out, *extra])
    m = re.search(r"(\d+) kernels", r.stdout)
    if not m:
        sys.exit(f"FAIL: no kernel count in kilnc --stats output:\n{r.stdout}")
    return int(m.group(1)), r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="directory of Kiln's tools")
    ap.add_argument("--models", required=True, help="where to export models")
    ap.add_argument("--source", required=True, help="Kiln's source root")
    ap.add_argument("--compare", default="resnet50,mobilenet_v2",
                    help="models compared against the interpreter")
    args = ap.parse_args()

    probe = subprocess.run([DEBIAN_PYTHON, "-c", "import torchvision"],
                           capture_output=True)
    if probe.returncode != 0:
        print("SKIPPED: python3-torchvision is not installed "
              "(scripts/setup.sh installs it)")
        return 77
    run([DEBIAN_PYTHON, os.path.join(args.source, "bench", "zoo.py"),
         args.models, *LIMITS])

    kilnc = os.path.join(args.bin, "kilnc")
    kiln_run = os.path.join(args.bin, "kiln-run")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name, limit in LIMITS.items():
            model = os.path.join(args.models, name + ".onnx")
            obj = os.path.join(tmp, name + ".o")
            before, _ = kernels(kilnc, model, 0, obj)
            after, r = kernels(kilnc, model, 3, obj, ["--verify-each"])
            ok = after <= limit
            failed |= not ok
            print(f"{'PASS' if ok else 'FAIL'} {name}: {before} kernels at "
                  f"-O0, {after} at -O3 (limit {limit})")
            if name in args.compare.split(","):
                ref = os.path.join(tmp, name + "_ref")
                run([kiln_run, model, "--target=interp", "--random-inputs",
                     "--seed=3", "--output-dir", ref])
                # The same seeded input, compiled at -O3.
                r = subprocess.run(
                    [kiln_run, model, "--target=host", "-O3",
                     "--random-inputs", "--seed=3",
                     f"--expect=output={os.path.join(ref, 'output.npy')}",
                     "--rtol=1e-3", f"--atol={ATOL[name]}"],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True)
                ok = r.returncode == 0
                failed |= not ok
                print(f"{'PASS' if ok else 'FAIL'} {name}: -O3 host output vs "
                      f"the -O0 interpreter: {r.stdout.strip()[-300:]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
