#!/usr/bin/env python3
"""Boots the firmware example (examples/firmware) under qemu-system-arm.

Installs Kiln to a temporary prefix, configures and builds the firmware
project against the installed package (find_package(Kiln)) for each CPU,
runs every model's image on its MPS2 board with semihosting, and compares
the printed outputs (exact bit patterns) with the reference interpreter
(kiln-run) on the same deterministic inputs. Exits 0 on success, 1 on
failure and 77 (skip) when arm-none-eabi-gcc or qemu-system-arm is missing.
"""
import argparse
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import time

SKIP_CODE = 77
BOARDS = {"cortex-m4": "mps2-an386", "cortex-m7": "mps2-an500"}
# kiln dtype name -> (struct format, numpy descr)
DTYPES = {
    "f32": ("f", "<f4"), "f64": ("d", "<f8"), "i8": ("b", "|i1"),
    "u8": ("B", "|u1"), "i16": ("h", "<i2"), "u16": ("H", "<u2"),
    "i32": ("i", "<i4"), "u32": ("I", "<u4"), "i64": ("q", "<i8"),
    "u64": ("Q", "<u8"), "bool": ("?", "|b1"),
}


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def run(cmd, what, timeout=600):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        fail("%s failed (exit %d): %s\n%s" % (what, p.returncode,
                                             " ".join(cmd), p.stdout))
    return p.stdout


def input_values(index, dtype, count):
    """The inputs examples/firmware/main.c generates (fill_input)."""
    values = []
    for i in range(count):
        h = ((i + 1) * 2654435761 + index * 40503) & 0xFFFFFFFF
        h ^= h >> 15
        k = ((h >> 8) % 21) - 10
        if dtype in ("f32", "f64"):
            values.append(((h >> 8) & 0xFFFF) / 32768.0 - 1.0)
        elif dtype == "bool":
            values.append(bool((h >> 8) & 1))
        elif dtype.startswith("u"):
            values.append(k + 10)
        else:
            values.append(k)
    return values


def write_npy(path, dtype, shape, values):
    fmt, descr = DTYPES[dtype]
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, dims)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))


def read_npy(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[6] == 1:
        hlen, start = struct.unpack("<H", raw[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", raw[8:12])[0], 12
    header = raw[start:start + hlen].decode("latin1")
    descr = re.search(r"'descr':\s*'([^']*)'", header).group(1)
    fmt = next(v[0] for v in DTYPES.values() if v[1][1:] == descr[1:])
    data = raw[start + hlen:]
    n = len(data) // struct.calcsize(fmt)
    return list(struct.unpack("<%d%s" % (n, fmt), data))


def parse_firmware(text):
    """Inputs [(name, dtype, shape)] and outputs {name: (dtype, values)}."""
    inputs, outputs, current = [], {}, None
    for line in text.splitlines():
        m = re.match(r"input (\d+) (\S+) (\S+) ?(\S*)$", line)
        if m:
            shape = [int(d) for d in m.group(4).split("x")] if m.group(4) \
                else []
            inputs.append((m.group(2), m.group(3), shape))
            continue
        m = re.match(r"output (\d+) (\S+) (\S+) (\d+)$", line)
        if m:
            current = (m.group(3), [])
            outputs[m.group(2)] = current
            continue
        m = re.match(r"  (\d+) (\S+)", line)
        if m and current is not None:
            dtype, token = current[0], m.group(2)
            if dtype == "f32":
                value = struct.unpack("<f", struct.pack(
                    "<I", int(token, 16)))[0]
            elif dtype == "f64":
                value = struct.unpack("<d", struct.pack(
                    "<Q", int(token, 16)))[0]
            else:
                value = int(token, 0)
            current[1].append(value)
    return inputs, outputs


def close(got, want, atol, rtol):
    if isinstance(want, float) and math.isnan(want):
        return math.isnan(got)
    if isinstance(want, float) and math.isinf(want):
        return got == want
    return abs(got - want) <= atol + rtol * abs(want)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True, help="Kiln's source tree")
    ap.add_argument("--build", required=True, help="Kiln's build tree")
    ap.add_argument("--work", required=True)
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("--cpus", default="cortex-m4,cortex-m7")
    ap.add_argument("--models", required=True,
                    help="comma-separated models; 'lenet' is generated")
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--rtol", type=float, default=1e-4)
    args = ap.parse_args()

    for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
        if not shutil.which(tool):
            print("SKIPPED: %s is not installed (scripts/setup.sh installs "
                  "gcc-arm-none-eabi, libnewlib-arm-none-eabi and "
                  "qemu-system-arm)" % tool)
            return SKIP_CODE
    ninja = ["-G", "Ninja"] if shutil.which("ninja") else []

    start = time.time()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    prefix = os.path.join(args.work, "prefix")
    run([args.cmake, "--install", args.build, "--prefix", prefix],
        "installing Kiln")
    kiln_run = os.path.join(prefix, "bin", "kiln-run")

    models = []
    for model in args.models.split(","):
        if model == "lenet":
            model = os.path.join(args.work, "lenet.onnxtxt")
            run([sys.executable, os.path.join(args.source, "test", "firmware",
                                              "make_lenet.py"), model],
                "generating LeNet")
        models.append(model)

    failures = 0
    references = {}
    for cpu in args.cpus.split(","):
        board = BOARDS[cpu]
        fw = os.path.join(args.work, "fw-" + cpu)
        run([args.cmake, "-S", os.path.join(args.source, "examples",
                                            "firmware"),
             "-B", fw] + ninja + [
            "-DCMAKE_BUILD_TYPE=MinSizeRel",
            "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(
                args.source, "examples", "firmware", "arm-none-eabi.cmake"),
            "-DFW_CPU=" + cpu,
            "-DKiln_DIR=" + os.path.join(prefix, "lib", "cmake", "Kiln"),
            "-DFW_MODELS=" + ";".join(models)], "configuring the firmware")
        run([args.cmake, "--build", fw], "building the firmware")
        for model in models:
            stem = re.sub(r"[^A-Za-z0-9_]", "_",
                          os.path.basename(model).split(".")[0])
            elf = os.path.join(fw, "fw_%s.elf" % stem)
            cmd = ["qemu-system-arm", "-machine", board, "-nographic",
                   "-monitor", "none", "-semihosting-config",
                   "enable=on,target=native", "-kernel", elf]
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               timeout=120)
            if p.returncode != 0 or "kiln-fw: done" not in p.stdout:
                fail("%s on %s exited %d:\n%s" % (elf, board, p.returncode,
                                                  p.stdout))
            inputs, outputs = parse_firmware(p.stdout)
            stack = re.search(r"stack used (\d+)", p.stdout).group(1)

            if model not in references:
                ref_dir = os.path.join(args.work, "ref-" + stem)
                os.makedirs(ref_dir)
                cmd = [kiln_run, model, "--output-dir=" + ref_dir,
                       "--print-limit=1"]
                for index, (name, dtype, shape) in enumerate(inputs):
                    path = os.path.join(ref_dir, "input%d.npy" % index)
                    count = 1
                    for d in shape:
                        count *= d
                    write_npy(path, dtype, shape,
                              input_values(index, dtype, count))
                    cmd.append("--input=%s=%s" % (name, path))
                run(cmd, "kiln-run")
                references[model] = {
                    name: read_npy(os.path.join(ref_dir, name + ".npy"))
                    for name in outputs}
            worst = 0.0
            for name, (dtype, got) in outputs.items():
                want = references[model][name]
                if len(got) != len(want):
                    fail("%s: output %s has %d values, kiln-run gives %d" % (
                        elf, name, len(got), len(want)))
                for i, (g, w) in enumerate(zip(got, want)):
                    if not close(g, w, args.atol, args.rtol):
                        print("MISMATCH %s on %s: %s[%d] = %r, kiln-run %r" %
                              (stem, board, name, i, g, w))
                        failures += 1
                    elif not (isinstance(w, float) and
                              (math.isnan(w) or math.isinf(w))):
                        worst = max(worst, abs(g - w))
            print("%-10s %-11s %s outputs match kiln-run (max |diff| %.3g), "
                  "stack %s bytes" % (stem, board, len(outputs), worst,
                                      stack), flush=True)
    # The footprint report (scripts/footprint.py) on each Cortex-M4 image:
    # Kiln's runtime proper must stay a few kilobytes.
    sys.path.insert(0, os.path.join(args.source, "scripts"))
    import footprint
    fw = os.path.join(args.work, "fw-" + args.cpus.split(",")[0])
    for model in models:
        stem = re.sub(r"[^A-Za-z0-9_]", "_",
                      os.path.basename(model).split(".")[0])
        flash, ram = footprint.footprint(os.path.join(fw, "fw_%s.map" % stem))
        print("%-10s flash %7d (model code %d, weights %d, runtime %d, "
              "runtime math %d), RAM %6d (arena %d)" % (
                  stem, sum(flash.values()), flash["model code"],
                  flash["weights"], flash["runtime"], flash["runtime math"],
                  sum(ram.values()), ram["arena"]))
        if flash["runtime"] > 4096 or flash["model code"] == 0:
            print("FOOTPRINT %s: runtime %d bytes (limit 4096), model code "
                  "%d" % (stem, flash["runtime"], flash["model code"]))
            failures += 1
    print("firmware tests: %.1f s" % (time.time() - start))
    if failures:
        fail("%d output values differ from kiln-run" % failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
