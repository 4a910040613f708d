#!/usr/bin/env python3
"""Side-by-side benchmark of Kiln-compiled models against ONNX Runtime.

    /usr/bin/python3 bench/run.py [--models=a,b | --kernels[=a,b]] [options]

Per model: compile with `kilnc -O3` (timed), link bench/harness.c, start it
and bench/ort/ort_bench.js as servers on the same seeded input, check that
their outputs agree (relative L2 error), then time them in alternating rounds
and report medians, GFLOP/s against the measured FMA peak (bench/fma_peak.c)
and peak memory. See docs/performance.md. Needs Debian's python3-numpy and
python3-onnx; scripts/bench.sh sets everything up.
"""
import argparse
import datetime
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SKIP = 77  # ctest's "skipped"

try:
    import numpy as np
    import onnx
    from onnx import shape_inference
except ImportError as e:  # reported in main(), which knows about --ctest
    MISSING = str(e)
else:
    MISSING = None

DEFAULT_MODELS = ["resnet50", "mobilenet_v2", "squeezenet1_1", "bert_encoder",
                  "lenet"]
# ONNX element type -> (numpy dtype, the servers' dtype name).
DTYPES = {1: ("float32", "f32"), 11: ("float64", "f64"), 6: ("int32", "i32"),
          7: ("int64", "i64"), 2: ("uint8", "u8"), 3: ("int8", "i8"),
          9: ("bool", "bool")}
PAUSE_S = 0.05  # between batches: lets the other side's spinning threads sleep


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- The model: inputs, outputs, FLOPs ------------------------------------

def tensor_shapes(model):
    """Name -> (elem type, dims or None) of every value with a known shape."""
    shapes = {}
    graph = model.graph
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        t = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in t.shape.dim] if t.HasField("shape") else None
        if dims is not None and None in dims:
            dims = None
        shapes[vi.name] = (t.elem_type, dims)
    for init in graph.initializer:
        shapes[init.name] = (init.data_type, list(init.dims))
    return shapes


def count_flops(model):
    """2 * multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul, from
    the shapes ONNX shape inference gives; other ops are not counted.
    Returns (flops, number of such nodes whose shapes were unknown)."""
    inferred = shape_inference.infer_shapes(model)
    shapes = {k: v[1] for k, v in tensor_shapes(inferred).items()}
    flops, unknown = 0, 0
    for node in inferred.graph.node:
        if node.op_type not in ("Conv", "ConvTranspose", "Gemm", "MatMul"):
            continue
        ins = [shapes.get(n) for n in node.input[:2]]
        out = shapes.get(node.output[0])
        if None in ins or out is None:
            unknown += 1
            continue
        x, w = ins
        if node.op_type == "Conv":  # out * (Cin/group * kernel)
            macs = math.prod(out) * math.prod(w[1:])
        elif node.op_type == "ConvTranspose":  # every input pixel * kernel
            macs = math.prod(x) * math.prod(w[1:])
        elif node.op_type == "Gemm":
            trans_a = any(a.name == "transA" and a.i for a in node.attribute)
            macs = math.prod(out) * (x[0] if trans_a else x[1])
        else:  # MatMul: every output element is a dot product of length K
            macs = math.prod(out) * x[-1]
        flops += 2 * macs
    return flops, unknown


class Model:
    def __init__(self, name, path):
        self.name, self.path = name, path
        model = onnx.load(path)
        inits = {i.name for i in model.graph.initializer}
        shapes = tensor_shapes(model)
        self.inputs = [(vi.name,) + shapes[vi.name]
                       for vi in model.graph.input if vi.name not in inits]
        self.outputs = [(vi.name,) + shapes[vi.name]
                        for vi in model.graph.output]
        for name, etype, dims in self.inputs + self.outputs:
            if etype not in DTYPES or dims is None:
                raise BenchError(f"{name}: unsupported type or dynamic shape")
        self.flops, self.unknown_flops = count_flops(model)

    def write_inputs(self, out_dir):
        """Seeded inputs (from the model's name), raw and as .npy; returns the
        raw file paths in graph-input order."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        paths = []
        for i, (_, etype, dims) in enumerate(self.inputs):
            dtype = DTYPES[etype][0]
            if dtype.startswith("float"):
                data = rng.standard_normal(dims).astype(dtype)
            else:
                data = rng.integers(0, 2 if dtype == "bool" else 10,
                                    size=dims).astype(dtype)
            raw = os.path.join(out_dir, f"in{i}.bin")
            data.tofile(raw)
            np.save(os.path.join(out_dir, f"in{i}.npy"), data)
            paths.append(raw)
        return paths

    def read_outputs(self, out_dir, names=False):
        result = []
        for i, (name, etype, dims) in enumerate(self.outputs):
            path = os.path.join(out_dir, f"{name}.npy" if names else
                                f"out{i}.bin")
            data = (np.load(path) if names else
                    np.fromfile(path, dtype=DTYPES[etype][0]))
            result.append(data.reshape(-1).astype(np.float64))
        return result


def relative_l2(got, ref):
    """||got - ref|| / ||ref|| over all outputs together (inf on NaN or a
    size mismatch; the absolute error when ref is all zeros)."""
    if [g.size for g in got] != [r.size for r in ref]:
        return math.inf
    g, r = np.concatenate(got), np.concatenate(ref)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(r))):
        return math.inf
    den = np.linalg.norm(r)
    num = np.linalg.norm(g - r)
    return float(num / den) if den > 0 else float(num)


# --- Servers: bench/harness.c and bench/ort/ort_bench.js -------------------

class Server:
    """A process speaking the harness protocol (one command, one line)."""

    def __init__(self, label, argv, log_path):
        self.label = label
        self.log_path = log_path
        self.stderr = open(log_path, "w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, bufsize=1)
        self.expect("ready")

    def expect(self, word, cmd=None):
        line = self.proc.stdout.readline().strip()
        if not line.startswith(word):
            self.proc.poll()
            with open(self.log_path) as f:
                err = f.read().strip()[-500:]
            what = f"'{cmd}'" if cmd else "start-up"
            raise BenchError(f"{self.label} {what}: {line or 'no answer'}"
                             f"{' | ' + err if err else ''}")
        return line[len(word):].split()

    def send(self, cmd, word="ok"):
        try:
            self.proc.stdin.write(cmd + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # expect() reports what the process said
        return self.expect(word, cmd)

    def threads(self, n):
        got = int(self.send(f"threads {n}")[0])
        if got != n:
            raise BenchError(f"{self.label} runs {got} threads, not {n}")

    def run(self, k):
        return [float(t) for t in self.send(f"run {k}", "times")]

    def peak_mb(self):
        return int(self.send("mem", "mem")[0]) / 1024.0

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


# --- Building ---------------------------------------------------------------

def check_call(argv, what):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        tail = r.stdout.strip().splitlines()[-3:]
        raise BenchError(f"{what} failed (exit {r.returncode}): "
                         + " | ".join(tail))
    return r.stdout


def compile_model(args, model, out_dir, extra=()):
    """kilnc -O3 (plus the flags in extra), then the harness; returns
    (harness path, kilnc seconds)."""
    obj = os.path.join(out_dir, "net.o")
    start = time.perf_counter()
    check_call([args.kilnc, model.path, args.opt, *extra, "--name=net", "-o",
                obj], "kilnc")
    seconds = time.perf_counter() - start
    exe = os.path.join(out_dir, "harness")
    check_call([args.cc, "-std=c99", "-O2", "-Wall", "-Wextra",
                "-I" + os.path.join(ROOT, "runtime", "include"), "-I" + out_dir,
                "-DKILN_MODEL=net", "-DKILN_MODEL_HEADER=\"net.h\"",
                os.path.join(HERE, "harness.c"), obj, args.runtime_lib,
                "-lpthread", "-lm", "-o", exe], "linking the harness")
    return exe, seconds


def measure_peak(args, threads):
    """FP32 FMA GFLOP/s per thread count (bench/fma_peak.c)."""
    exe = os.path.join(args.work, "fma_peak")
    check_call([args.cc, "-std=gnu99", "-O2", "-march=native",
                os.path.join(HERE, "fma_peak.c"), "-lpthread", "-lm", "-o",
                exe], "building fma_peak")
    peaks, isa = {}, "?"
    for line in check_call([exe] + [str(t) for t in threads],
                           "fma_peak").splitlines():
        f = line.split()  # threads N gflops X isa NAME width W
        peaks[int(f[1])] = float(f[3])
        isa = f"{f[5]}, {f[7]} lanes"
    return peaks, isa


def node_baseline_mb(args):
    out = check_call([args.node, os.path.join(HERE, "ort", "ort_bench.js"),
                      "--baseline"], "node --baseline")
    return int(out.split()[1]) / 1024.0


# --- One model ----------------------------------------------------------------

def interp_reference(args, model, out_dir, ref_dir):
    """The reference interpreter's outputs (kiln-run --target=interp)."""
    argv = [args.kiln_run, model.path, "--target=interp", "--print-limit=0",
            f"--output-dir={ref_dir}"]
    for i, (name, _, _) in enumerate(model.inputs):
        argv.append(f"--input={name}={os.path.join(out_dir, f'in{i}.npy')}")
    check_call(argv, "kiln-run --target=interp")
    try:
        return model.read_outputs(ref_dir, names=True)
    except (OSError, ValueError) as e:
        raise BenchError(f"reading kiln-run's outputs: {e}")


def time_pair(args, kiln, ort):
    """Warm-up, then rounds alternating Kiln and ORT (who goes first
    alternates too); returns all per-run times of each."""
    runs = {"kiln": [], "ort": []}
    sides = [("kiln", kiln)] + ([("ort", ort)] if ort else [])
    per_run = {}
    for key, server in sides:
        warm = server.run(args.warmup)
        per_run[key] = max(statistics.median(warm), 1e-3)
    # Small models get more runs per batch so a batch lasts >= ~50 ms.
    batch = {key: max(args.runs, min(1000, math.ceil(50 / per_run[key])))
             for key, _ in sides}
    for r in range(args.rounds):
        order = sides if r % 2 == 0 else sides[::-1]
        for key, server in order:
            time.sleep(PAUSE_S)
            runs[key] += server.run(batch[key])
    return runs


def bench_model(args, model, threads_list, peaks, results):
    out_dir = os.path.join(args.work, "runs", model.name)
    os.makedirs(out_dir, exist_ok=True)
    row_base = {"model": model.name, "gflop": model.flops / 1e9}
    try:
        inputs = model.write_inputs(out_dir)
        exe, seconds = compile_model(args, model, out_dir)
        results["compile"].append((model.name, seconds))
        log(f"{model.name}: kilnc {args.opt} {seconds:.2f} s, "
            f"{model.flops / 1e9:.3f} GFLOP")
    except BenchError as e:
        results["compile"].append((model.name, None))
        for t in threads_list:
            results["rows"].append(dict(row_base, threads=t, fail=str(e)))
        log(f"{model.name}: FAIL: {e}")
        return
    reference = None
    if not args.ort and args.kiln_run:
        ref_dir = os.path.join(out_dir, "interp")
        try:
            reference = interp_reference(args, model, out_dir, ref_dir)
        except BenchError as e:
            log(f"{model.name}: no interpreter reference: {e}")
    specs = [f"{DTYPES[et][1]}:{','.join(map(str, dims))}:{path}"
             for (_, et, dims), path in zip(model.inputs, inputs)]
    for t in threads_list:
        row = dict(row_base, threads=t)
        kiln = ort = None
        try:
            kiln = Server("Kiln", [exe] + inputs,
                          os.path.join(out_dir, f"kiln-{t}.log"))
            kiln.threads(t)
            if args.ort:
                ort = Server("ORT", [args.node, os.path.join(
                    HERE, "ort", "ort_bench.js"), model.path] + specs,
                    os.path.join(out_dir, f"ort-{t}.log"))
                ort.threads(t)
            got_dir = os.path.join(out_dir, f"kiln-out-{t}")
            os.makedirs(got_dir, exist_ok=True)
            kiln.send(f"write {got_dir}")
            got = model.read_outputs(got_dir)
            if ort:
                ref_dir = os.path.join(out_dir, f"ort-out-{t}")
                os.makedirs(ref_dir, exist_ok=True)
                ort.send(f"write {ref_dir}")
                reference = model.read_outputs(ref_dir)
            if reference is not None:
                row["err"] = relative_l2(got, reference)
                if not row["err"] <= args.tolerance:
                    raise BenchError(f"outputs differ: relative L2 error "
                                     f"{row['err']:.2e} > {args.tolerance:g}")
            runs = time_pair(args, kiln, ort)
            row["kiln_ms"] = statistics.median(runs["kiln"])
            row["kiln_mb"] = kiln.peak_mb()
            row["runs"] = f"{len(runs['kiln'])}"
            if ort:
                row["ort_ms"] = statistics.median(runs["ort"])
                row["ort_mb"] = ort.peak_mb()
                row["runs"] += f" / {len(runs['ort'])}"
        except BenchError as e:
            row["fail"] = str(e)
            log(f"{model.name} x{t}: FAIL: {e}")
        finally:
            for server in (kiln, ort):
                if server:
                    server.close()
        row["peak"] = peaks.get(t)
        results["rows"].append(row)
        if "fail" not in row:
            log(f"{model.name} x{t}: Kiln {row['kiln_ms']:.3f} ms"
                + (f", ORT {row['ort_ms']:.3f} ms" if ort else "")
                + f" ({row['runs']} runs)")


# --- Report -------------------------------------------------------------------

COLUMNS = ["model", "threads", "Kiln ms", "ORT ms", "Kiln/ORT",
           "Kiln GFLOP/s", "% of peak", "Kiln peak MB", "ORT peak MB (Node)",
           "ORT - idle Node MB", "rel. L2 error"]


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def row_cells(row, baseline):
    err = row.get("err")
    err_cell = ("-" if err is None else
                "inf" if math.isinf(err) else f"{err:.1e}")
    if "fail" in row:
        return [row["model"], str(row["threads"]), "FAIL", "-", "-", "-",
                "-", "-", "-", "-", err_cell]
    kms, oms = row["kiln_ms"], row.get("ort_ms")
    gflops = row["gflop"] / (kms / 1e3) if row["gflop"] else None
    peak = row.get("peak")
    omb = row.get("ort_mb")
    return [row["model"], str(row["threads"]), f"{kms:.3f}", fmt(oms, ".3f"),
            fmt(kms / oms if oms else None, ".2f"), fmt(gflops, ".1f"),
            fmt(100 * gflops / peak if gflops and peak else None, ".1f"),
            f"{row['kiln_mb']:.1f}", fmt(omb, ".1f"),
            fmt(omb - baseline if omb is not None and baseline else None,
                ".1f"), err_cell]


def text_table(header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                                   for i, (c, w) in
                                   enumerate(zip(cells, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])]
                     + [line(r) for r in rows])


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:"
                          for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_describe():
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD"],
                           capture_output=True).returncode == 1
    return (r.stdout.strip() or "?") + (" with local changes" if dirty else "")


def report(args, results, peaks, isa, baseline, title):
    rows = [row_cells(r, baseline) for r in results["rows"]]
    compile_rows = [[name, "FAIL" if s is None else f"{s:.2f}"]
                    for name, s in results["compile"]]
    peak_line = ", ".join(f"{t} thread{'s' if t > 1 else ''}: {g:.1f} GFLOP/s"
                          for t, g in sorted(peaks.items()))
    info = [f"Date: {datetime.date.today().isoformat()}; machine: "
            f"{cpu_name()}, {os.cpu_count()} CPUs; Kiln {git_describe()}"
            f" ({args.opt}); ONNX Runtime: "
            + ("onnxruntime-node 1.20.1" if args.ort else "not run")
            + ".",
            (f"Measured FP32 FMA peak ({isa}): {peak_line}." if peaks else
             "FMA peak probe not run."),
            "Relative L2 error of Kiln's outputs against "
            + ("ONNX Runtime's" if args.ort else
               "the reference interpreter's" if args.kiln_run else "nothing")
            + f" (FAIL above {args.tolerance:g}).",
            f"Medians of {args.rounds} alternating rounds (each round: a "
            f"batch of >= {args.runs} runs per side, after {args.warmup} "
            f"warm-up runs)."]
    info.append("Load average (1, 5, 15 min) at the start: "
                + ", ".join(f"{l:.2f}" for l in results["load"])
                + f" on {os.cpu_count()} CPUs.")
    if baseline:
        info.append(f"Idle Node process with onnxruntime-node loaded: "
                    f"{baseline:.1f} MB peak RSS.")
    print()
    print("\n".join(info))
    print()
    print(text_table(COLUMNS, rows))
    print()
    print(text_table(["model", "kilnc s"], compile_rows))
    md = [f"## {title}", "", "\n".join(f"{l}  " for l in info).rstrip(), "",
          md_table(COLUMNS, rows), "", f"Compile time (`kilnc {args.opt}`, "
          "wall clock, seconds):", "", md_table(["model", "kilnc s"],
                                                  compile_rows), ""]
    fails = [r for r in results["rows"] if "fail" in r]
    if fails:
        md += ["Failures:", ""] + [f"- {r['model']} x{r['threads']}: "
                                   f"{r['fail']}" for r in fails] + [""]
    if fails:
        print("\n" + "\n".join(md[-len(fails) - 1:-1]))
    path = os.path.join(args.work, "kernels.md" if args.kernels is not None
                        else "results.md")
    with open(path, "w") as f:
        f.write("\n".join(md))
    print(f"\nwrote {path}")
    return not fails


# --- Main ---------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get(
        "KILN_BUILD_DIR", os.path.join(ROOT, "build")),
        help="Kiln build directory (bin/kilnc, lib/libKilnRuntime.a)")
    ap.add_argument("--work", default=None,
                    help="output directory (default: BUILD/bench)")
    ap.add_argument("--zoo", default=None,
                    help="model directory (default: WORK/zoo); missing zoo "
                    "models are generated with bench/zoo.py")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--kernels", nargs="?", const="", default=None,
                    help="benchmark single-op kernels (bench/kernels.py) "
                    "instead of models; optionally a comma-separated subset")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=5,
                    help="minimum runs per side per round")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--tolerance", type=float, default=1e-4,
                    help="largest relative L2 error that passes")
    ap.add_argument("--opt", default="-O3", help="kilnc optimization level")
    ap.add_argument("--no-ort", dest="ort", action="store_false",
                    help="Kiln only; outputs are checked against the "
                    "reference interpreter instead")
    ap.add_argument("--no-peak", dest="peak", action="store_false",
                    help="skip the FMA peak probe")
    ap.add_argument("--ctest", action="store_true",
                    help="exit 77 (skipped) when python3-numpy, python3-onnx "
                    "or torch is missing")
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.runs < 1 or args.warmup < 1:
        ap.error("--rounds, --runs and --warmup must be at least 1")
    args.work = os.path.abspath(args.work or os.path.join(args.build, "bench"))
    args.zoo = os.path.abspath(args.zoo or os.path.join(args.work, "zoo"))
    args.kilnc = os.path.join(args.build, "bin", "kilnc")
    args.runtime_lib = os.path.join(args.build, "lib", "libKilnRuntime.a")
    run_path = os.path.join(args.build, "bin", "kiln-run")
    args.kiln_run = run_path if os.path.exists(run_path) else None
    args.cc = os.environ.get("CC", "cc")
    args.node = shutil.which("node") or "node"
    return args


def main(argv):
    args = parse_args(argv)
    if MISSING:
        print(f"bench: {MISSING} (Debian: python3-numpy, python3-onnx; run "
              f"with /usr/bin/python3)", file=sys.stderr)
        return SKIP if args.ctest else 1
    for path in (args.kilnc, args.runtime_lib):
        if not os.path.exists(path):
            sys.exit(f"bench: {path} is missing: build Kiln first "
                     f"(scripts/build.sh)")
    if args.ort and not os.path.isdir(os.path.join(HERE, "ort", "node_modules",
                                                   "onnxruntime-node")):
        sys.exit("bench: bench/ort/node_modules/onnxruntime-node is missing: "
                 "run scripts/bench.sh (or --no-ort)")
    threads = [int(t) for t in args.threads.split(",") if t]
    os.makedirs(args.work, exist_ok=True)

    if args.kernels is not None:
        sys.path.insert(0, HERE)
        import kernels
        names = [n for n in args.kernels.split(",") if n] or list(
            kernels.KERNELS)
        unknown = [n for n in names if n not in kernels.KERNELS]
        if unknown:
            sys.exit(f"bench: unknown kernel '{unknown[0]}'")
        model_dir = os.path.join(args.work, "kernels")
        os.makedirs(model_dir, exist_ok=True)
        paths = {n: kernels.export(n, model_dir) for n in names}
        title = "Kernels"
    else:
        names = [n for n in args.models.split(",") if n]
        missing = [n for n in names
                   if not os.path.exists(os.path.join(args.zoo, n + ".onnx"))]
        if missing:
            r = subprocess.run([sys.executable, os.path.join(HERE, "zoo.py"),
                                args.zoo] + missing)
            if r.returncode != 0:
                probe = subprocess.run([sys.executable, "-c", "import torch"],
                                       capture_output=True)
                if probe.returncode != 0 and args.ctest:
                    print("SKIPPED: python3-torch is not installed")
                    return SKIP
                sys.exit("bench: bench/zoo.py failed")
        paths = {n: os.path.join(args.zoo, n + ".onnx") for n in names}
        title = "Models"

    peaks, isa = measure_peak(args, threads) if args.peak else ({}, "not run")
    baseline = node_baseline_mb(args) if args.ort else None
    results = {"rows": [], "compile": [], "load": os.getloadavg()}
    for name in names:
        try:
            model = Model(name, paths[name])
        except Exception as e:  # any unreadable model is one FAIL row
            results["compile"].append((name, None))
            results["rows"] += [{"model": name, "threads": t, "gflop": 0,
                                 "fail": f"cannot read the model: {e}"}
                                for t in threads]
            continue
        if model.unknown_flops:
            log(f"{name}: {model.unknown_flops} Conv/Gemm/MatMul nodes with "
                f"unknown shapes are not counted in its FLOPs")
        bench_model(args, model, threads, peaks, results)
    if args.peak:
        # Probed again at the end, the better of the two counts: on a shared
        # machine one probe may have run next to someone else's job.
        again, _ = measure_peak(args, threads)
        for t, g in again.items():
            peaks[t] = max(peaks.get(t, 0), g)
        for row in results["rows"]:
            row["peak"] = peaks.get(row["threads"])
    return 0 if report(args, results, peaks, isa, baseline, title) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
