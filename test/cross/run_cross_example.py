#!/usr/bin/env python3
"""The hosted example on a cross Linux target, run under qemu-user.

For each model: kilnc --target=<triple> -O3, examples/hosted/main.c built
with <triple>-gcc against the cross-built runtime (static, pthread pool),
run under qemu-<arch> with 1 and 2 threads on seeded random inputs, and the
printed and written outputs compared with the host's reference interpreter
(kiln-run). With --asm-only: check instead that kilnc accepts --mcpu and
--mattr for the triple and that the code of the first model is vectorized
(NEON `fmla vN.4s` on AArch64). Exits 0 on success, 1 on failure, 77 when a
cross tool is missing. Reuses the helpers of test/hosted/run_hosted_test.py.
"""
import argparse
import os
import random
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hosted"))
import run_hosted_test as hosted  # noqa: E402

SKIP_CODE = 77
QEMU_ARCH = {"aarch64": "aarch64"}
# A vector fused multiply-add on four f32 lanes, per architecture.
VECTOR_FMA = {"aarch64": r"\bfmla\s+v\d+\.4s"}
# CPUs and feature sets that kilnc must accept, per architecture.
CPU_VARIANTS = {"aarch64": [["--mcpu=cortex-a76"], ["--mattr=+dotprod"],
                            ["--mcpu=cortex-a55", "--mattr=+dotprod"]]}


def run(cmd, what):
    return hosted.run(cmd, what)


def check_asm(args, arch):
    """kilnc accepts the CPU variants, and the assembly is vectorized."""
    model = args.model[0]
    for flags in CPU_VARIANTS[arch]:
        obj = os.path.join(args.work, "variant.o")
        run([args.kilnc, model, "--target=" + args.triple, "-O3",
             "--name=net", "-o", obj] + flags, "kilnc " + " ".join(flags))
        if not os.path.getsize(obj):
            hosted.fail("kilnc %s wrote an empty object" % " ".join(flags))
    asm = run([args.kilnc, model, "--target=" + args.triple, "-O3",
               "--mcpu=cortex-a76", "--mattr=+dotprod", "--emit=asm",
               "--name=net", "-o", "-"], "kilnc --emit=asm").stdout
    fmas = re.findall(VECTOR_FMA[arch], asm)
    if not fmas:
        hosted.fail("no vector FMA (%s) in the assembly of %s" %
                    (VECTOR_FMA[arch], os.path.basename(model)))
    print("PASS: %d vector FMAs (%s) in %s" % (len(fmas), fmas[0],
                                              os.path.basename(model)))


def check_model(args, arch, model, index):
    work = os.path.join(args.work, "%d-%s" % (
        index, os.path.basename(model).split(".")[0]))
    os.makedirs(work)
    obj = os.path.join(work, "net.o")
    run([args.kilnc, model, "--target=" + args.triple, "-O3", "--name=net",
         "-o", obj], "kilnc")
    exe = os.path.join(work, "hosted")
    run([args.cc, "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror",
         "-O2", "-static", "-I", args.runtime_include, "-I", work,
         "-DKILN_MODEL=net", '-DKILN_MODEL_HEADER="net.h"', args.main, obj,
         os.path.join(args.runtime_dir, "libKilnRuntime.a"), "-lpthread",
         "-lm", "-o", exe], "linking main.c with " + args.cc)
    qemu = [args.qemu, exe]

    inputs = hosted.parse_inputs(run(qemu + ["--help"], "--help").stdout)
    if not inputs:
        hosted.fail("the program's --help lists no inputs")
    rng = random.Random(args.seed + index)
    bins, npys = [], []
    for k, (name, dtype, shape, nbytes) in enumerate(inputs):
        fmt, descr, size = hosted.DTYPES[dtype]
        count = nbytes // size
        if dtype in ("f32", "f64"):
            values = [rng.uniform(-1, 1) for _ in range(count)]
        else:  # the test models' integer inputs are Gather indices
            values = [rng.randint(-3, 2) for _ in range(count)]
        data = struct.pack("<%d%s" % (count, fmt), *values)
        bins.append(os.path.join(work, "in%d.bin" % k))
        npys.append(os.path.join(work, "in%d.npy" % k))
        with open(bins[-1], "wb") as f:
            f.write(data)
        hosted.write_npy(npys[-1], descr, shape, data)

    ref_dir = os.path.join(work, "ref")
    ref_names = hosted.parse_outputs(run(
        [args.kiln_run, model, "--print-limit=0", "--output-dir=" + ref_dir]
        + npys, "kiln-run").stdout)
    expected = {}
    for name in ref_names:
        _, shape, values = hosted.read_npy(
            os.path.join(ref_dir, hosted.safe_name(name) + ".npy"))
        expected[name] = (shape, values)

    for threads in (1, 2):
        out_dir = os.path.join(work, "out-%d" % threads)
        p = run(qemu + ["--threads=%d" % threads, "--repeat=3",
                        "--write-outputs=" + out_dir] + bins,
                "%s under %s, %d thread(s)" % (os.path.basename(model),
                                               os.path.basename(args.qemu),
                                               threads))
        if "%d thread(s)" % threads not in p.stderr:
            hosted.fail("the program did not run on %d thread(s): %r" %
                        (threads, p.stderr))
        printed = hosted.parse_outputs(p.stdout)
        if list(printed) != list(expected):
            hosted.fail("outputs %s, expected %s" % (list(printed),
                                                     list(expected)))
        for name, (shape, values) in expected.items():
            dtype, pshape, pvalues = printed[name]
            if pshape != shape:
                hosted.fail("output '%s' has shape %s, expected %s" %
                            (name, pshape, shape))
            what = "%s, %d thread(s): '%s'" % (os.path.basename(model),
                                               threads, name)
            hosted.compare("printed " + what, pvalues, values, args.rtol,
                           args.atol)
            with open(os.path.join(out_dir, hosted.safe_name(name) + ".bin"),
                      "rb") as f:
                raw = hosted.decode(hosted.DTYPES[dtype][0], f.read())
            hosted.compare("written " + what, raw, values, args.rtol,
                           args.atol)
        print("PASS %s on %s, %d thread(s): %s" % (
            os.path.basename(model), args.triple, threads, ", ".join(
                "%s %s%s" % (n, printed[n][0], list(printed[n][1]))
                for n in printed)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run")
    ap.add_argument("--triple", required=True)
    ap.add_argument("--runtime-dir",
                    help="holds the triple's libKilnRuntime.a")
    ap.add_argument("--runtime-include")
    ap.add_argument("--main", help="examples/hosted/main.c")
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--asm-only", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    args = ap.parse_args()

    arch = args.triple.split("-")[0]
    if arch not in QEMU_ARCH:
        hosted.fail("no cross settings for '%s'" % args.triple)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    if args.asm_only:
        check_asm(args, arch)
        return 0

    args.cc = shutil.which(args.triple + "-gcc")
    args.qemu = shutil.which("qemu-" + QEMU_ARCH[arch])
    for tool, path in ((args.triple + "-gcc", args.cc),
                       ("qemu-" + QEMU_ARCH[arch], args.qemu)):
        if path is None:
            print("SKIPPED: %s is not installed" % tool)
            return SKIP_CODE
    for i, model in enumerate(args.model):
        check_model(args, arch, model, i)
    print("PASS: %d models on %s" % (len(args.model), args.triple))
    return 0


if __name__ == "__main__":
    sys.exit(main())
