#!/usr/bin/env python3
"""End-to-end test of the hosted example (examples/hosted/main.c).

Compiles a model with kilnc, builds main.c against the generated header and
object with the system C compiler, feeds seeded random inputs, and compares
the printed and written outputs with the reference interpreter (kiln-run).
The program is built and run again with AddressSanitizer. Exits 0 on
success, 1 on failure and SKIP_CODE when kilnc is not built.
"""
import argparse
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys

SKIP_CODE = 77

# kiln dtype name -> (struct format, numpy descr, byte size)
DTYPES = {
    "f32": ("f", "<f4", 4), "f64": ("d", "<f8", 8),
    "i8": ("b", "|i1", 1), "u8": ("B", "|u1", 1),
    "i16": ("h", "<i2", 2), "u16": ("H", "<u2", 2),
    "i32": ("i", "<i4", 4), "u32": ("I", "<u4", 4),
    "i64": ("q", "<i8", 8), "u64": ("Q", "<u8", 8),
    "bool": ("?", "|b1", 1),
}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, what, env=None):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    if p.returncode != 0:
        fail("%s failed (exit %d):\n%s%s" % (what, p.returncode, p.stdout,
                                             p.stderr))
    return p


def write_npy(path, descr, shape, data):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, dims)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1") + data)


def read_npy(path):
    """Returns (descr, shape, values) of a little-endian C-order .npy."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:6] != b"\x93NUMPY":
        fail("%s is not a .npy file" % path)
    if raw[6] == 1:
        hlen, start = struct.unpack("<H", raw[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", raw[8:12])[0], 12
    header = raw[start:start + hlen].decode("latin1")
    descr = re.search(r"'descr':\s*'([^']*)'", header).group(1)
    shape = tuple(int(d) for d in re.findall(
        r"\d+", re.search(r"'shape':\s*\(([^)]*)\)", header).group(1)))
    fmt = next(v[0] for v in DTYPES.values() if v[1][1:] == descr[1:])
    return descr, shape, decode(fmt, raw[start + hlen:])


def decode(fmt, data):
    n = len(data) // struct.calcsize(fmt)
    return list(struct.unpack("<%d%s" % (n, fmt), data))


def parse_inputs(help_text):
    """Input list from `hosted --help`: (name, dtype, shape, bytes)."""
    inputs = []
    for line in help_text.splitlines():
        m = re.match(r"^  (\d+): (.*) (\w+)\[([\d,]*)\] \((\d+) bytes\)$",
                     line)
        if m:
            shape = [int(d) for d in m.group(4).split(",") if d]
            inputs.append((m.group(2), m.group(3), shape, int(m.group(5))))
    return inputs


def parse_outputs(text):
    """{name: (dtype, shape, values)} from the program's printed outputs."""
    outputs = {}
    for line in text.splitlines():
        m = re.match(r"^(.*): (\w+)\[([\d,]*)\] = \[(.*)\]$", line)
        if not m:
            fail("unexpected output line: %r" % line)
        shape = tuple(int(d) for d in m.group(3).split(",") if d)
        items = [s for s in m.group(4).split(", ") if s]
        if m.group(2) == "bool":
            values = [s == "true" for s in items]
        elif m.group(2) in ("f16", "bf16", "f32", "f64"):
            values = [float(s) for s in items]
        else:
            values = [int(s) for s in items]
        outputs[m.group(1)] = (m.group(2), shape, values)
    return outputs


def close(a, e, rtol, atol):
    if isinstance(e, float):
        if math.isnan(e):
            return math.isnan(a)
        if math.isinf(e):
            return a == e
        return abs(a - e) <= atol + rtol * abs(e)
    return a == e


def compare(what, actual, expected, rtol, atol):
    if len(actual) != len(expected):
        fail("%s: %d values, expected %d" % (what, len(actual),
                                             len(expected)))
    bad = [i for i, (a, e) in enumerate(zip(actual, expected))
           if not close(a, e, rtol, atol)]
    if bad:
        i = bad[0]
        fail("%s: %d of %d values differ; first at %d: %r, expected %r" %
             (what, len(bad), len(expected), i, actual[i], expected[i]))


def safe_name(name):
    s = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return "out" + s if not s or s[0] == "." else s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--runtime-lib", required=True)
    ap.add_argument("--runtime-include", required=True)
    ap.add_argument("--main", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--int-range", default="-10,10")
    ap.add_argument("--runtime-link-flags", default="",
                    help="flags the runtime library needs at link time "
                         "(the sanitizer build's runtime is instrumented)")
    ap.add_argument("--weights-separate", action="store_true",
                    help="compile with --weights=separate and pass the blob")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    args = ap.parse_args()

    if not os.path.isfile(args.kilnc):
        print("SKIPPED: kilnc is not built (%s)" % args.kilnc)
        return SKIP_CODE
    if shutil.which(args.cc) is None:
        print("SKIPPED: no C compiler '%s'" % args.cc)
        return SKIP_CODE

    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    obj = os.path.join(work, "net.o")
    kilnc = [args.kilnc, args.model, "--name=net", "-o", obj]
    run_flags = []
    if args.weights_separate:
        kilnc.append("--weights=separate")
        run_flags.append("--weights=" + os.path.join(work, "net.weights.bin"))
    run(kilnc, "kilnc")
    for f in ["net.h"] + (["net.weights.bin"] if args.weights_separate
                          else []):
        if not os.path.isfile(os.path.join(work, f)):
            fail("kilnc did not write %s next to net.o" % f)

    cflags = ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror",
              "-I", args.runtime_include, "-I", work, "-DKILN_MODEL=net",
              '-DKILN_MODEL_HEADER="net.h"']
    libs = [obj, args.runtime_lib, "-lpthread", "-lm"] + \
        args.runtime_link_flags.split()
    exe = os.path.join(work, "hosted")
    run([args.cc] + cflags + ["-O2", args.main, "-o", exe] + libs,
        "compiling main.c")
    asan_exe = os.path.join(work, "hosted-asan")
    run([args.cc] + cflags + ["-g", "-fsanitize=address",
                              "-fno-omit-frame-pointer", args.main, "-o",
                              asan_exe] + libs, "compiling main.c with ASan")

    # Seeded random inputs, raw for the program and .npy for kiln-run.
    inputs = parse_inputs(run([exe, "--help"], "hosted --help").stdout)
    if not inputs:
        fail("hosted --help lists no inputs")
    rng = random.Random(args.seed)
    lo, hi = (int(v) for v in args.int_range.split(","))
    bins, npys = [], []
    for k, (name, dtype, shape, nbytes) in enumerate(inputs):
        if dtype not in DTYPES:
            fail("input '%s': the test cannot generate %s data" %
                 (name, dtype))
        fmt, descr, size = DTYPES[dtype]
        count = nbytes // size
        if dtype in ("f32", "f64"):
            values = [rng.uniform(-1, 1) for _ in range(count)]
        elif dtype == "bool":
            values = [rng.random() < 0.5 for _ in range(count)]
        else:
            values = [rng.randint(lo, hi) for _ in range(count)]
        data = struct.pack("<%d%s" % (count, fmt), *values)
        if len(data) != nbytes:
            fail("input '%s': %d bytes generated, %d expected" %
                 (name, len(data), nbytes))
        bins.append(os.path.join(work, "in%d.bin" % k))
        npys.append(os.path.join(work, "in%d.npy" % k))
        with open(bins[-1], "wb") as f:
            f.write(data)
        write_npy(npys[-1], descr, shape, data)

    ref_dir = os.path.join(work, "ref")
    ref_names = parse_outputs(run(
        [args.kiln_run, args.model, "--print-limit=0",
         "--output-dir=" + ref_dir] + npys, "kiln-run").stdout)
    expected = {}
    for name in ref_names:
        descr, shape, values = read_npy(
            os.path.join(ref_dir, safe_name(name) + ".npy"))
        expected[name] = (shape, values, descr)

    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
    variants = [("1 thread", exe, ["--threads=1"]),
                ("4 threads", exe, ["--threads=4"]),
                ("ASan", asan_exe, ["--threads=2"])]
    for what, program, flags in variants:
        out_dir = os.path.join(work, "out-" + what.replace(" ", "-"))
        p = run([program] + flags + run_flags +
                ["--write-outputs=" + out_dir] + bins,
                "hosted (%s)" % what, env)
        if "AddressSanitizer" in p.stderr or "LeakSanitizer" in p.stderr:
            fail("sanitizer report (%s):\n%s" % (what, p.stderr))
        printed = parse_outputs(p.stdout)
        if list(printed) != list(expected):
            fail("%s: outputs %s, expected %s" % (what, list(printed),
                                                  list(expected)))
        for name, (shape, values, descr) in expected.items():
            dtype, pshape, pvalues = printed[name]
            if pshape != shape:
                fail("%s: output '%s' has shape %s, expected %s" %
                     (what, name, pshape, shape))
            compare("%s: printed '%s'" % (what, name), pvalues, values,
                    args.rtol, args.atol)
            fmt = DTYPES[dtype][0]
            with open(os.path.join(out_dir, safe_name(name) + ".bin"),
                      "rb") as f:
                raw = decode(fmt, f.read())
            compare("%s: written '%s'" % (what, name), raw, values,
                    args.rtol, args.atol)
        print("PASS %s: %s" % (what, ", ".join(
            "%s %s%s" % (n, printed[n][0], list(printed[n][1]))
            for n in printed)))

    # Wrong input sizes are reported, not read.
    with open(os.path.join(work, "short.bin"), "wb") as f:
        f.write(b"\0" * 3)
    p = subprocess.run([exe] + run_flags +
                       [os.path.join(work, "short.bin")] + bins[1:],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 1 or "needs exactly %d bytes" % inputs[0][3] \
            not in p.stderr:
        fail("a short input file was not rejected clearly: exit %d, %r" %
             (p.returncode, p.stderr))
    print("PASS: %s" % os.path.basename(args.model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
