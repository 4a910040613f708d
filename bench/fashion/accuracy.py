#!/usr/bin/env python3
"""Top-1 accuracy of Kiln's compiled code on Fashion-MNIST's 10,000 test
images, and a compiled-vs-interpreter check on the first few of them.

    /usr/bin/python3 bench/fashion/accuracy.py --build build \\
        [--model test/models/fashion_cnn.onnx] [--kilnc-flags "..."] \\
        [--interp-check=K [--interp-source=onnx|kir] [--bitwise]]

Compiles MODEL with `kilnc -O3 --name=model` plus --kilnc-flags (e.g.
"--quantize=int8 --calibration-data=DIR --calibration=entropy"), links
bench/fashion/eval.c with the object and libKilnRuntime.a, runs it on every
test image and prints one Markdown table row: model, flags, top-1, images.
--interp-check=K runs the first K images through the reference interpreter
(kiln-run) and compares its outputs with the compiled code's: within
--rtol/--atol and the same class, or bit for bit with --bitwise. With
--interp-source=kir the interpreter runs the graph kilnc itself produced
(`kilnc --emit=graph-ir` with the same flags), which is what the int8
bit-exactness check needs; with `onnx` (default) it runs MODEL as given.
--expect-top1=X (or --expect-recorded: the torch accuracy in MODEL's .json)
makes the exit status 1 unless top-1 is within --expect-points of X.
--ctest exits 77 (skipped) when the dataset or numpy is missing.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP = 77  # ctest's "skipped"
sys.path.insert(0, HERE)

try:
    import numpy as np
    import fmnist
except ImportError as e:  # reported in main(), which knows about --ctest
    MISSING = str(e)
else:
    MISSING = None


class EvalError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, what):
    log("$ " + " ".join(shlex.quote(c) for c in cmd))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        raise EvalError(f"{what} failed (exit {p.returncode}):\n"
                        f"{p.stdout}{p.stderr}")
    return p.stdout


def tool(args, explicit, name):
    path = explicit or os.path.join(args.build, "bin", name)
    if not os.path.isfile(path):
        raise EvalError(f"{name} not found at '{path}' (build it, or pass "
                        f"--build / --{name})")
    return path


def unpack_dataset(args, work):
    """Decompresses the test images and labels once into the work folder, so
    eval.c reads plain idx files and needs no zlib."""
    paths = []
    for kind in ("images", "labels"):
        out = os.path.join(work, f"test-{kind}.idx")
        if not os.path.isfile(out):
            raw = fmnist.read_raw("test", kind, args.data_dir)
            fmnist.parse_idx(raw, fmnist.path("test", kind, args.data_dir))
            with open(out + ".tmp", "wb") as f:
                f.write(raw)
            os.replace(out + ".tmp", out)
        paths.append(out)
    return paths


def build_evaluator(args, work, kilnc_flags):
    kilnc = tool(args, args.kilnc, "kilnc")
    runtime = args.runtime_lib or os.path.join(args.build, "lib",
                                               "libKilnRuntime.a")
    if not os.path.isfile(runtime):
        raise EvalError(f"the runtime library '{runtime}' does not exist")
    obj = os.path.join(work, "model.o")
    start = time.time()
    run([kilnc, args.model, "-O3", "--name=model", "-o", obj] + kilnc_flags,
        "kilnc")
    compile_s = time.time() - start
    exe = os.path.join(work, "fashion-eval")
    cc = os.environ.get("CC", "cc")
    run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
         "-I" + os.path.join(ROOT, "runtime", "include"), "-I" + work,
         "-DKILN_MODEL=model", "-DKILN_MODEL_HEADER=\"model.h\"",
         os.path.join(HERE, "eval.c"), obj, runtime, "-lpthread", "-lm",
         "-o", exe] + shlex.split(args.runtime_link_flags), "cc eval.c")
    return exe, compile_s


def write_npy(path, array):
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)


def interp_model(args, work, kilnc_flags):
    """The model file kiln-run runs: MODEL itself, or the graph kilnc made."""
    if args.interp_source == "onnx":
        return args.model
    kir = os.path.join(work, "model.kir")
    run([tool(args, args.kilnc, "kilnc"), args.model, "-O3",
         "--emit=graph-ir", "-o", kir] + kilnc_flags, "kilnc --emit=graph-ir")
    return kir


def interp_check(args, work, kilnc_flags, dump_dir, count):
    """Compares the compiled outputs of the first `count` images with
    kiln-run's. Returns (mismatching images, max |diff|, message lines)."""
    kiln_run = tool(args, args.kiln_run, "kiln-run")
    model = interp_model(args, work, kilnc_flags)
    bad, worst, lines = 0, 0.0, []
    for i in range(count):
        compiled = np.fromfile(os.path.join(dump_dir, f"output_{i:05d}.bin"),
                               dtype="<f4")
        image = np.fromfile(os.path.join(dump_dir, f"input_{i:05d}.bin"),
                            dtype="<f4").reshape(1, 1, 28, 28)
        npy = os.path.join(dump_dir, f"input_{i:05d}.npy")
        write_npy(npy, image)
        out_dir = os.path.join(dump_dir, f"interp_{i:05d}")
        shutil.rmtree(out_dir, ignore_errors=True)
        run([kiln_run, model, npy, "--output-dir=" + out_dir,
             "--print-limit=1"] + shlex.split(args.interp_flags), "kiln-run")
        outs = sorted(f for f in os.listdir(out_dir) if f.endswith(".npy"))
        if len(outs) != 1:
            raise EvalError(f"kiln-run wrote {len(outs)} outputs to "
                            f"'{out_dir}', expected one")
        ref = np.load(os.path.join(out_dir, outs[0])).astype("<f4").ravel()
        if ref.shape != compiled.shape:
            raise EvalError(f"image {i}: the interpreter's output has "
                            f"{ref.size} elements, the compiled code's "
                            f"{compiled.size}")
        diff = np.abs(ref.astype(np.float64) - compiled.astype(np.float64))
        worst = max(worst, float(diff.max()))
        if args.bitwise:
            ok = np.array_equal(ref.view("<u4"), compiled.view("<u4"))
            why = "differs bitwise"
        else:
            ok = bool(np.all(diff <= args.atol + args.rtol * np.abs(ref)))
            why = f"beyond atol {args.atol} + rtol {args.rtol}"
            if ok and int(ref.argmax()) != int(compiled.argmax()):
                ok, why = False, "within tolerance but a different class"
        if not ok:
            bad += 1
            k = int(diff.argmax())
            lines.append(f"image {i}: {why}: at [{k}] compiled "
                         f"{compiled[k]!r}, interpreter {ref[k]!r}")
    return bad, worst, lines


def load_record(args):
    path = args.record or os.path.splitext(args.model)[0] + ".json"
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def evaluate(args):
    kilnc_flags = shlex.split(args.kilnc_flags)
    record = load_record(args)
    mean = args.mean if args.mean is not None else (
        record["normalization"]["mean"] if record else fmnist.MEAN)
    std = args.std if args.std is not None else (
        record["normalization"]["std"] if record else fmnist.STD)
    work = args.work or os.path.join(args.build, "fashion")
    os.makedirs(work, exist_ok=True)
    images, labels = unpack_dataset(args, work)
    exe, compile_s = build_evaluator(args, work, kilnc_flags)

    dump_dir = os.path.join(work, "dump")
    shutil.rmtree(dump_dir, ignore_errors=True)
    os.makedirs(dump_dir)
    preds_path = os.path.join(work, "predictions.txt")
    cmd = [exe, "--images=" + images, "--labels=" + labels,
           f"--mean={mean!r}", f"--std={std!r}", f"--threads={args.threads}",
           "--predictions=" + preds_path]
    if args.limit is not None:
        cmd.append(f"--limit={args.limit}")
    if args.interp_check:
        cmd += [f"--dump={args.interp_check}", "--dump-dir=" + dump_dir]
    out = run(cmd, "the evaluator")
    log(out.strip())
    line = next((x for x in out.splitlines() if x.startswith("correct=")),
                None)
    if line is None:
        raise EvalError(f"the evaluator printed no result:\n{out}")
    fields = dict(kv.split("=") for kv in line.split())
    correct, total = int(fields["correct"]), int(fields["images"])
    top1 = 100.0 * correct / total if total else 0.0

    failed = False
    model_name = os.path.basename(args.model)
    flags = " ".join(["-O3"] + kilnc_flags)
    print("| model | kilnc flags | top-1 (%) | images |")
    print("|---|---|---|---|")
    print(f"| {model_name} | `{flags}` | {top1:.2f} | {total} |", flush=True)
    if record and "torch_predictions" in record:
        with open(preds_path) as f:
            ours = f.read()
        theirs = record["torch_predictions"][:len(ours)]
        agree = sum(a == b for a, b in zip(ours, theirs))
        print(f"agrees with torch's class on {agree}/{len(ours)} images "
              f"(torch float top-1 {record['torch_top1']:.2f}% on "
              f"{record['test_images']}); kilnc took {compile_s:.1f} s")

    if args.interp_check:
        count = min(args.interp_check, total)
        bad, worst, lines = interp_check(args, work, kilnc_flags, dump_dir,
                                         count)
        mode = "bit for bit" if args.bitwise else (
            f"rtol {args.rtol}, atol {args.atol}")
        print(f"compiled vs interpreter ({args.interp_source}, {mode}): "
              f"{count - bad}/{count} images match, max |diff| {worst:.3g}")
        for line in lines[:10]:
            print("  " + line)
        failed |= bad > 0

    expect = args.expect_top1
    if args.expect_recorded:
        if not record:
            raise EvalError("--expect-recorded: no .json record next to the "
                            "model (or --record)")
        expect = record["torch_top1"]
    if expect is not None:
        ok = abs(top1 - expect) <= args.expect_points + 1e-9
        print(f"{'PASS' if ok else 'FAIL'}: top-1 {top1:.2f}% vs expected "
              f"{expect:.2f}% (allowed {args.expect_points} points)")
        failed |= not ok
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n")[1:]))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="Kiln build folder (bin/kilnc, bin/kiln-run, "
                         "lib/libKilnRuntime.a)")
    ap.add_argument("--model", default=os.path.join(ROOT, "test", "models",
                                                    "fashion_cnn.onnx"))
    ap.add_argument("--kilnc-flags", default="",
                    help="extra kilnc flags, one shell-quoted string")
    ap.add_argument("--record", help="the model's .json (default: next to "
                                     "the model)")
    ap.add_argument("--work", help="scratch folder (default BUILD/fashion)")
    ap.add_argument("--kilnc", help="default BUILD/bin/kilnc")
    ap.add_argument("--kiln-run", help="default BUILD/bin/kiln-run")
    ap.add_argument("--runtime-lib",
                    help="default BUILD/lib/libKilnRuntime.a")
    ap.add_argument("--runtime-link-flags", default="")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--mean", type=float, help="default: the .json's")
    ap.add_argument("--std", type=float, help="default: the .json's")
    ap.add_argument("--limit", type=int, help="first N test images only")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--interp-check", type=int, default=0, metavar="K",
                    help="compare the first K images with kiln-run")
    ap.add_argument("--interp-source", choices=["onnx", "kir"],
                    default="onnx")
    ap.add_argument("--interp-flags", default="",
                    help="extra kiln-run flags, one shell-quoted string")
    ap.add_argument("--bitwise", action="store_true",
                    help="the interpreter check must match bit for bit")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--expect-top1", type=float)
    ap.add_argument("--expect-recorded", action="store_true")
    ap.add_argument("--expect-points", type=float, default=0.1)
    ap.add_argument("--ctest", action="store_true",
                    help="exit 77 when numpy or the dataset is missing")
    args = ap.parse_args()

    if MISSING:
        print(f"SKIPPED: {MISSING} (needs Debian's python3-numpy)")
        return SKIP if args.ctest else 1
    if args.data_dir is None:
        args.data_dir = fmnist.DATA_DIR
    if not fmnist.available(args.data_dir):
        print(f"SKIPPED: Fashion-MNIST is not in '{args.data_dir}' (Debian's "
              f"dataset-fashion-mnist; scripts/setup.sh installs it)")
        return SKIP if args.ctest else 1
    if not os.path.isfile(args.model):
        print(f"accuracy.py: error: no model '{args.model}'")
        return 1
    try:
        return evaluate(args)
    except (EvalError, fmnist.DataError) as e:
        print(f"accuracy.py: error: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
