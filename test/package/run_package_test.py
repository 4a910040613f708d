#!/usr/bin/env python3
"""The find_package(Kiln) package, end to end (ctest cmake-package).

Installs the build tree into a fresh prefix, checks that the installed tools
run from there, configures examples/hosted as an out-of-tree project against
<prefix>/lib/cmake/Kiln, builds and runs it, and compares its outputs with
the installed reference interpreter (kiln-run). Editing the model must
recompile it, and bad kiln_add_model() calls must fail at configure time
with a message naming the problem. Exits 0, 1 on failure, 77 if skipped.
"""
import argparse
import glob
import math
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hosted"))
# The output parsing, .npy writing and comparison of the hosted-example test.
from run_hosted_test import (DTYPES, compare, fail, parse_inputs,  # noqa
                             parse_outputs, write_npy)

SKIP_CODE = 77


def run(cmd, what):
    """Runs cmd; returns its stdout (its stderr is shown on failure)."""
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        fail("%s failed (exit %d):\n%s%s" % (what, p.returncode, p.stdout,
                                             p.stderr))
    return p.stdout


def check_installed(prefix, build, source):
    """The layout of the prefix, and tools that load nothing from the build."""
    expected = ["bin/kilnc", "bin/kiln-run", "include/kiln/runtime.h",
                "lib/libKilnRuntime.a", "lib/libKilnRuntimeSerial.a",
                "share/kiln/runtime/include/kiln/runtime.h"] + [
        "lib/cmake/Kiln/Kiln%s.cmake" % f
        for f in ("Config", "ConfigVersion", "Targets", "Functions")]
    expected += ["share/kiln/runtime/src/" + os.path.basename(f) for f in
                 glob.glob(os.path.join(source, "runtime", "src", "*.c"))]
    for path in expected:
        if not os.path.isfile(os.path.join(prefix, path)):
            fail("cmake --install did not install %s" % path)
    for tool in ("kiln-unittests", "kiln-conformance", "kiln-opt"):
        if os.path.exists(os.path.join(prefix, "bin", tool)):
            fail("the developer tool %s was installed" % tool)
    build_dir = os.path.realpath(build) + os.sep
    prefix_dir = os.path.realpath(prefix) + os.sep
    for tool in ("kilnc", "kiln-run"):
        exe = os.path.join(prefix, "bin", tool)
        ldd = run(["ldd", exe], "ldd " + tool)
        for line in ldd.splitlines():
            # The prefix itself may lie in the build tree (ctest's work
            # folder), so compare the resolved paths.
            loaded = line.split("=>")[-1].split("(")[0].strip()
            real = os.path.realpath(loaded) if loaded.startswith("/") \
                else ""
            if "not found" in line or (real.startswith(build_dir) and
                                       not real.startswith(prefix_dir)):
                fail("installed %s loads %r" % (tool, line.strip()))
        if shutil.which("readelf"):
            dyn = run(["readelf", "-d", exe], "readelf " + tool)
            if build_dir.rstrip(os.sep) in dyn:
                fail("installed %s has the build tree in its RUNPATH" % tool)
        out = run([exe, "--version"], tool + " --version")
        print(out.strip())
    print("PASS install: %d files checked, tools load nothing from %s" %
          (len(expected), build_dir))


def configure(args, src, bld, defines):
    cmd = [args.cmake, "-S", src, "-B", bld, "-G", "Ninja",
           "-DCMAKE_MAKE_PROGRAM=" + args.ninja,
           "-DKiln_DIR=" + os.path.join(args.prefix, "lib", "cmake", "Kiln")]
    return cmd + ["-D%s=%s" % kv for kv in defines]


def build(args, bld):
    return run([args.cmake, "--build", bld], "building " + bld)


def make_inputs(exe, work):
    """Deterministic inputs from `hosted --help`: raw files and .npy files."""
    inputs = parse_inputs(run([exe, "--help"], "hosted --help"))
    if not inputs:
        fail("hosted --help lists no inputs")
    bins, npys = [], []
    for k, (name, dtype, shape, nbytes) in enumerate(inputs):
        if dtype not in ("f32", "f64"):
            fail("input '%s': the test only makes float data" % name)
        fmt, descr, size = DTYPES[dtype]
        count = nbytes // size
        values = [math.sin(0.37 * i + k) * 0.5 for i in range(count)]
        data = struct.pack("<%d%s" % (count, fmt), *values)
        bins.append(os.path.join(work, "in%d.bin" % k))
        npys.append(os.path.join(work, "in%d.npy" % k))
        with open(bins[-1], "wb") as f:
            f.write(data)
        write_npy(npys[-1], descr, shape, data)
    return bins, npys


def check_outputs(args, what, exe, model, flags, work):
    """Runs the program and kiln-run on the same inputs; returns outputs."""
    bins, npys = make_inputs(exe, work)
    got = parse_outputs(run([exe] + flags + bins, what))
    want = parse_outputs(run(
        [os.path.join(args.prefix, "bin", "kiln-run"), model,
         "--print-limit=0"] + npys, "kiln-run"))
    if list(got) != list(want):
        fail("%s: outputs %s, expected %s" % (what, list(got), list(want)))
    for name, (dtype, shape, values) in want.items():
        if got[name][:2] != (dtype, shape):
            fail("%s: output '%s' is %s%s, expected %s%s" %
                 ((what, name) + got[name][:2] + (dtype, shape)))
        compare("%s: '%s'" % (what, name), got[name][2], values,
                args.rtol, args.atol)
    print("PASS %s: %s" % (what, "; ".join(
        "%s = %s" % (n, ", ".join("%.6g" % v for v in got[n][2][:4]) +
                     (", ..." if len(got[n][2]) > 4 else ""))
        for n in got)))
    return got


def hosted_example(args):
    """tiny_cnn with the installed runtime; edit the model, rebuild."""
    model = os.path.join(args.work, "tiny_cnn.onnxtxt")
    shutil.copy(os.path.join(args.source, "test", "models",
                             "tiny_cnn.onnxtxt"), model)
    bld = os.path.join(args.work, "hosted")
    run(configure(args, os.path.join(args.source, "examples", "hosted"), bld,
                  [("KILN_EXAMPLE_MODEL", model)] + args.defines),
        "configuring examples/hosted")
    out = build(args, bld)
    if "kilnc: compiling" not in out:
        fail("the build did not run kilnc:\n" + out)
    exe = os.path.join(bld, "hosted")
    before = check_outputs(args, "hosted (Kiln::Runtime)", exe, model,
                           ["--threads=2"], args.work)

    # A no-op rebuild does nothing; a changed model is recompiled.
    out = build(args, bld)
    if "no work to do" not in out:
        fail("a second build was not a no-op:\n" + out)
    with open(model) as f:
        text = f.read()
    marker = "float[10] fc_b = {\n    0.4154,"
    if marker not in text:
        fail("cannot find fc_b in %s to edit" % model)
    with open(model, "w") as f:
        f.write(text.replace(marker, "float[10] fc_b = {\n    3.5,"))
    out = build(args, bld)
    if "kilnc: compiling" not in out:
        fail("editing the model did not recompile it:\n" + out)
    after = check_outputs(args, "hosted, model edited", exe, model,
                          ["--threads=2"], args.work)
    if before["probs"][2] == after["probs"][2]:
        fail("the edited model gives the same outputs as before")
    print("PASS rebuild: no-op when unchanged, kilnc reran after the edit")


def hosted_sources(args, variant, model, name, options):
    """The example with the runtime built from the installed sources."""
    bld = os.path.join(args.work, "hosted-" + variant)
    run(configure(args, os.path.join(args.source, "examples", "hosted"), bld,
                  [("KILN_EXAMPLE_MODEL", model), ("KILN_EXAMPLE_NAME", name),
                   ("KILN_EXAMPLE_OPTIONS", options),
                   ("KILN_EXAMPLE_RUNTIME", variant)] + args.defines),
        "configuring examples/hosted (%s runtime)" % variant)
    build(args, bld)
    flags = ["--threads=2"]
    if "--weights=separate" in options:
        weights = os.path.join(bld, "model", name + ".weights.bin")
        if not os.path.isfile(weights):
            fail("no %s after the build" % weights)
        flags.append("--weights=" + weights)
    check_outputs(args, "hosted (%s runtime, %s)" % (variant, options or
                                                     "defaults"),
                  os.path.join(bld, "hosted"), model, flags, args.work)


# (what, CMake code after find_package, text the error must contain)
BAD_CALLS = [
    ("no MODEL", "kiln_add_model(m NAME net)", "MODEL <file> is required"),
    ("no NAME", "kiln_add_model(m MODEL @MODEL@)", "NAME <name> is required"),
    ("NAME not a C identifier", "kiln_add_model(m MODEL @MODEL@ NAME 9-net)",
     "NAME '9-net' is not a C identifier"),
    ("unknown keyword", "kiln_add_model(m MODEL @MODEL@ NAME net MCU m4)",
     "unknown argument(s) 'MCU;m4'"),
    ("TARGET without a value", "kiln_add_model(m MODEL @MODEL@ NAME n TARGET)",
     "TARGET needs a value"),
    ("-o in OPTIONS", "kiln_add_model(m MODEL @MODEL@ NAME n OPTIONS -o x.o)",
     "OPTIONS may not contain '-o'"),
    ("missing model file", "kiln_add_model(m MODEL nothere.onnx NAME net)",
     "nothere.onnx' does not exist"),
    ("unknown runtime flag", "kiln_add_runtime(r THREADS)",
     "unknown argument(s) 'THREADS'"),
]


def bad_calls(args):
    """Each bad call fails configuring, with its message."""
    model = os.path.join(args.source, "test", "models", "tiny_cnn.onnxtxt")
    for k, (what, code, message) in enumerate(BAD_CALLS):
        src = os.path.join(args.work, "bad%d" % k)
        os.makedirs(src)
        with open(os.path.join(src, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.20)\n"
                    "project(Bad LANGUAGES NONE)\n"
                    "find_package(Kiln REQUIRED CONFIG)\n" +
                    code.replace("@MODEL@", model) + "\n")
        cmd = configure(args, src, os.path.join(src, "build"), [])
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        flat = " ".join(p.stdout.split())
        if p.returncode == 0 or message not in flat:
            fail("%s: expected configuring to fail with %r; exit %d:\n%s" %
                 (what, message, p.returncode, p.stdout))
        print("PASS rejected %s: %s" % (what, message))
    # The version file: 0.x is not 1.x.
    src = os.path.join(args.work, "bad-version")
    os.makedirs(src)
    with open(os.path.join(src, "CMakeLists.txt"), "w") as f:
        f.write("cmake_minimum_required(VERSION 3.20)\n"
                "project(Bad LANGUAGES NONE)\n"
                "find_package(Kiln 1.0 REQUIRED CONFIG)\n")
    p = subprocess.run(configure(args, src, os.path.join(src, "build"), []),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode == 0 or "compatible with requested version" not in \
            " ".join(p.stdout.split()):
        fail("find_package(Kiln 1.0) did not fail on the version:\n" +
             p.stdout)
    print("PASS rejected find_package(Kiln 1.0)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="Kiln's build tree")
    ap.add_argument("--source", required=True, help="Kiln's source tree")
    ap.add_argument("--work", required=True)
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("--ninja", default="ninja")
    ap.add_argument("--exe-linker-flags", default="",
                    help="for the sanitizer build's instrumented runtime")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    args = ap.parse_args()

    ninja = shutil.which(args.ninja)
    if not ninja or not shutil.which("cc"):
        print("SKIPPED: needs ninja and a C compiler (cc)")
        return SKIP_CODE
    args.ninja = ninja
    args.work = os.path.abspath(args.work)
    args.prefix = os.path.join(args.work, "prefix")
    args.defines = [("CMAKE_BUILD_TYPE", "Release"),
                    ("CMAKE_C_FLAGS", "-Werror")]
    if args.exe_linker_flags:
        args.defines.append(("CMAKE_EXE_LINKER_FLAGS", args.exe_linker_flags))
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)

    run([args.cmake, "--install", args.build, "--prefix", args.prefix],
        "cmake --install")
    check_installed(args.prefix, args.build, args.source)
    hosted_example(args)
    hosted_sources(args, "serial",
                   os.path.join(args.source, "test", "hosted", "models",
                                "mlp.onnxtxt"),
                   "mlp", "-O3;--weights=separate")
    hosted_sources(args, "sources",
                   os.path.join(args.source, "test", "hosted", "models",
                                "wide.onnxtxt"),
                   "wide", "")
    bad_calls(args)
    print("PASS: cmake-package")
    return 0


if __name__ == "__main__":
    sys.exit(main())
