#!/usr/bin/env python3
"""Int8 speed of Kiln: float vs int8 latency, and Kiln int8 vs ONNX Runtime.

    /usr/bin/python3 bench/quant_speed.py [--models=a,b] [--threads=1,2]
        [--calib-samples=N] [--kilnc-flags="--calibration=entropy"] [--no-qdq]

Part 1, per conv model (the zoo's resnet50, mobilenet_v2, squeezenet1_1 and
test/models/fashion_cnn.onnx): write a calibration set of seeded random
inputs (.npy), compile float (`kilnc -O3`) and int8 (`kilnc -O3
--quantize=int8 --calibration-data=DIR`), compare the two on held-out
random inputs (relative L2 error, top-1 agreement), then time both
harnesses in alternating rounds (bench/run.py's servers and time_pair).
Part 2 (unless --no-qdq), per model: a QDQ copy in the format ONNX
Runtime's static quantizer writes (u8 per-tensor activations with min/max
ranges from ONNX Runtime's float run on the calibration inputs, int8
per-channel weights, int32 biases), timed in Kiln (-O3; qdq-to-integer makes
it integer) against onnxruntime-node, and the float model likewise.
Results: WORK/quant-results.md. See docs/quantization.md "Speed".
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import run  # noqa: E402  bench/run.py: Model, Server, compile_model, ...

np = run.np
onnx = run.onnx
from onnx import numpy_helper  # noqa: E402
ZOO_MODELS = ["resnet50", "mobilenet_v2", "squeezenet1_1"]
EXTRA_MODELS = {"fashion_cnn": os.path.join(ROOT, "test", "models",
                                            "fashion_cnn.onnx")}


def log(msg):
    run.log(msg)


def random_input(model, seed_text):
    """One seeded standard-normal tensor of the model's single f32 input."""
    if len(model.inputs) != 1 or model.inputs[0][1] != 1:
        raise run.BenchError("needs exactly one f32 input")
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    return rng.standard_normal(model.inputs[0][2]).astype(np.float32)


def write_calibration(model, out_dir, count):
    """count random inputs as calib_NNN.npy (the zoo's weights are random, so
    random images calibrate it as meaningfully as any)."""
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        os.remove(os.path.join(out_dir, f))
    for i in range(count):
        np.save(os.path.join(out_dir, f"calib_{i:03d}.npy"),
                random_input(model, f"{model.name}-calib-{i}"))


def write_eval_inputs(model, out_dir, count):
    """Held-out random inputs (other seeds than calibration), raw .bin."""
    paths = []
    for i in range(count):
        path = os.path.join(out_dir, f"eval_{i}.bin")
        random_input(model, f"{model.name}-eval-{i}").tofile(path)
        paths.append(path)
    return paths


def harness_outputs(exe, model, input_path, out_dir, log_path):
    """Run a compiled harness once on input_path; its outputs (float64)."""
    os.makedirs(out_dir, exist_ok=True)
    server = run.Server("Kiln", [exe, input_path], log_path)
    try:
        server.send(f"write {out_dir}")
    finally:
        server.close()
    return model.read_outputs(out_dir)


def compare(model, exes, eval_paths, out_dir):
    """Float vs int8 on every eval input: (relative L2 over all of them,
    top-1 agreements, count)."""
    got = {"f32": [], "int8": []}
    agree = 0
    for i, path in enumerate(eval_paths):
        outs = {}
        for kind, exe in exes.items():
            d = os.path.join(out_dir, f"out-{kind}-{i}")
            outs[kind] = harness_outputs(exe, model, path, d,
                                         os.path.join(out_dir, f"{kind}.log"))
            got[kind] += outs[kind]
        agree += int(np.argmax(outs["f32"][0]) == np.argmax(outs["int8"][0]))
    return run.relative_l2(got["int8"], got["f32"]), agree, len(eval_paths)


def time_servers(args, a_argv, b_argv, labels, threads, out_dir):
    """Medians (ms) of a and b timed alternately (run.time_pair) and the run
    count of each."""
    a = b = None
    try:
        a = run.Server(labels[0], a_argv,
                       os.path.join(out_dir, f"{labels[0]}-{threads}.log"))
        a.threads(threads)
        b = run.Server(labels[1], b_argv,
                       os.path.join(out_dir, f"{labels[1]}-{threads}.log"))
        b.threads(threads)
        runs = run.time_pair(args, a, b)  # keys: "kiln" is a, "ort" is b
    finally:
        for s in (a, b):
            if s:
                s.close()
    return (statistics.median(runs["kiln"]), statistics.median(runs["ort"]),
            len(runs["kiln"]), len(runs["ort"]))


# --- Part 1: Kiln float vs Kiln int8 ------------------------------------------

def bench_float_int8(args, name, path, rows, compile_rows):
    out_dir = os.path.join(args.work, "quant", name)
    os.makedirs(out_dir, exist_ok=True)
    model = run.Model(name, path)
    cal_dir = os.path.join(out_dir, "calib")
    write_calibration(model, cal_dir, args.calib_samples)
    eval_paths = write_eval_inputs(model, out_dir, args.eval_samples)
    exes, secs = {}, {}
    for kind, extra in (("f32", []),
                        ("int8", ["--quantize=int8",
                                  f"--calibration-data={cal_dir}"]
                         + args.kilnc_flags.split())):
        kdir = os.path.join(out_dir, kind)
        os.makedirs(kdir, exist_ok=True)
        exes[kind], secs[kind] = run.compile_model(args, model, kdir, extra)
    # Calibration alone: quantize and stop (no pipeline, no code generation).
    start = time.perf_counter()
    run.check_call([args.kilnc, path, "--quantize=int8",
                    f"--calibration-data={cal_dir}", *args.kilnc_flags.split(),
                    "--passes=", "--emit=graph-ir", "-o",
                    os.path.join(out_dir, "quantized.kir")], "kilnc --quantize")
    calib_s = time.perf_counter() - start
    compile_rows.append([name, f"{secs['f32']:.2f}", f"{secs['int8']:.2f}",
                         f"{calib_s:.2f}", str(args.calib_samples)])
    log(f"{name}: kilnc float {secs['f32']:.2f} s, int8 {secs['int8']:.2f} s "
        f"(quantization alone {calib_s:.2f} s, {args.calib_samples} samples)")
    err, agree, n = compare(model, exes, eval_paths, out_dir)
    log(f"{name}: int8 vs float relative L2 {err:.3f}, top-1 {agree}/{n}")
    for t in args.threads:
        fms, qms, fn, qn = time_servers(
            args, [exes["f32"], eval_paths[0]], [exes["int8"], eval_paths[0]],
            ("f32", "int8"), t, out_dir)
        log(f"{name} x{t}: float {fms:.3f} ms, int8 {qms:.3f} ms "
            f"({fn} / {qn} runs)")
        rows.append([name, str(t), f"{fms:.3f}", f"{qms:.3f}",
                     f"{fms / qms:.2f}", f"{err:.3f}", f"{agree}/{n}"])


# --- Part 2: Kiln vs ONNX Runtime on QDQ models -------------------------------

# Ops whose float outputs get a Q -> DQ pair, as ONNX Runtime's static
# quantizer (QDQ format) does; pass-through ops reuse their input's
# parameters (its "direct 8-bit" ops), and a Relu/Clip that alone reads a
# Conv/Gemm/Add is not separated from it (the Q after it does the clamp).
QDQ_OPS = {"Conv", "Gemm", "Add", "Relu", "Clip", "MaxPool", "Flatten",
           "Reshape", "GlobalAveragePool", "AveragePool", "Concat", "MatMul"}
PASS_THROUGH = {"MaxPool", "Flatten", "Reshape"}
FOLDS_ACTIVATION = {"Conv", "Gemm", "Add"}


def constants(graph):
    """Name -> array of initializers, Constant outputs and Identity copies."""
    vals = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant" and n.attribute[0].name == "value":
            vals[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        elif n.op_type == "Identity" and n.input[0] in vals:
            vals[n.output[0]] = vals[n.input[0]]
    return vals


def qdq_tensors(graph):
    """The activations to quantize, in graph order, and name -> the value
    whose parameters a pass-through op's result shares."""
    vals = constants(graph)
    users = {}
    for n in graph.node:
        for v in n.input:
            users.setdefault(v, []).append(n)
    outputs = {o.name for o in graph.output}
    names = [i.name for i in graph.input if i.name not in vals]
    shared = {}
    for n in graph.node:
        if n.op_type not in QDQ_OPS or n.output[0] in vals:
            continue
        # MatMuls by constant weights only (attention's products of two
        # activations stay float, as with ORT's MatMulConstBOnly).
        if n.op_type == "MatMul" and (n.input[1] not in vals
                                      or vals[n.input[1]].ndim != 2):
            continue
        out = n.output[0]
        u = users.get(out, [])
        if (n.op_type in FOLDS_ACTIVATION and len(u) == 1 and out not in outputs
                and u[0].op_type in ("Relu", "Clip")):
            continue  # the activation's Q covers it
        if n.op_type in PASS_THROUGH and n.input[0] in names:
            shared[out] = shared.get(n.input[0], n.input[0])
        names.append(out)
    return names, shared


def calibrate_ranges(args, model, names, samples, work):
    """min/max of each tensor in names over samples, from ONNX Runtime's
    float run with the tensors made graph outputs."""
    m = onnx.load(model.path)
    present = [o.name for o in m.graph.output]
    inputs = {i.name for i in m.graph.input}
    for n in names:
        if n not in present and n not in inputs:
            m.graph.output.append(onnx.helper.make_tensor_value_info(
                n, onnx.TensorProto.FLOAT, None))
            present.append(n)
    path = os.path.join(work, "calib-model.onnx")
    onnx.save(m, path)
    # The (single) graph input's range comes from the samples themselves.
    ranges = {model.inputs[0][0]: (min(float(x.min()) for x in samples),
                                   max(float(x.max()) for x in samples))}
    for i, sample in enumerate(samples):
        raw = os.path.join(work, f"calib_{i}.bin")
        sample.tofile(raw)
        d = os.path.join(work, f"calib-out-{i}")
        os.makedirs(d, exist_ok=True)
        spec = f"f32:{','.join(map(str, sample.shape))}:{raw}"
        s = run.Server("ORT", [args.node, os.path.join(HERE, "ort",
                                                       "ort_bench.js"),
                               path, spec], os.path.join(work, "calib.log"))
        try:
            s.threads(1)
            s.send(f"write {d}")
        finally:
            s.close()
        for k, n in enumerate(present):
            if n in names:
                v = np.fromfile(os.path.join(d, f"out{k}.bin"), np.float32)
                lo, hi = float(v.min()), float(v.max())
                old = ranges.get(n, (lo, hi))
                ranges[n] = (min(lo, old[0]), max(hi, old[1]))
    return ranges


def write_qdq(args, model, dst, samples, work):
    """A QDQ copy of a float model in ONNX Runtime's static-quantizer format:
    u8 per-tensor activations (min/max), int8 symmetric per-channel weights,
    int32 biases (scale x_scale * w_scale) through DequantizeLinear."""
    h = onnx.helper
    names, shared = qdq_tensors(onnx.load(model.path).graph)
    ranges = calibrate_ranges(args, model, names, samples, work)
    m = onnx.load(model.path)
    g = m.graph
    vals = constants(g)
    params, inits = {}, []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name
    for n in names:
        if n in shared:
            params[n] = params[shared[n]]
            continue
        lo, hi = min(0.0, ranges[n][0]), max(0.0, ranges[n][1])
        scale = np.float32((hi - lo) / 255 or 1.0)
        zp = np.uint8(np.clip(np.round(-lo / scale), 0, 255))
        params[n] = (scale, zp, const(n + "_scale", scale),
                     const(n + "_zp", zp))
    outputs = {o.name for o in g.output}
    qset = set(names)
    nodes = []

    def qdq_pair(v):
        """Q -> DQ after value v; returns the nodes, the DQ's name."""
        _, _, s, z = params[v]
        src, dq = v, v + "_dq"
        if v in outputs:
            src, dq = v + "_float", v
        return [h.make_node("QuantizeLinear", [src, s, z], [v + "_q"]),
                h.make_node("DequantizeLinear", [v + "_q", s, z], [dq])], dq

    def quantize_weight(base, w, axis):
        """Symmetric int8 per-channel weights along `axis` through a
        DequantizeLinear named base + "_w_dq"; returns that name and the
        scales."""
        w = w.astype(np.float32)
        axes = tuple(d for d in range(w.ndim) if d != axis)
        ws = (np.abs(w).max(axis=axes) / 127).astype(np.float32)
        ws[ws == 0] = 1
        shape = [1] * w.ndim
        shape[axis] = -1
        wq = np.clip(np.round(w / ws.reshape(shape)), -127,
                     127).astype(np.int8)
        nodes.append(h.make_node(
            "DequantizeLinear", [const(base + "_w", wq),
                                 const(base + "_w_scale", ws),
                                 const(base + "_w_zp",
                                       np.zeros(len(ws), np.int8))],
            [base + "_w_dq"], axis=axis))
        return base + "_w_dq", ws

    renamed = {}
    for i in g.input:
        if i.name in qset:
            pair, renamed[i.name] = qdq_pair(i.name)
            nodes += pair
    for n in g.node:
        for k, v in enumerate(n.input):
            if v in renamed:
                n.input[k] = renamed[v]
        x = n.input[0] if n.input else None
        xname = next((k for k, r in renamed.items() if r == x), None)
        if (n.op_type == "MatMul" and xname in params and n.input[1] in vals
                and vals[n.input[1]].ndim == 2):
            # B [K, N]: symmetric int8 per column (axis 1).
            n.input[1], _ = quantize_weight(n.output[0], vals[n.input[1]], 1)
        if (n.op_type in ("Conv", "Gemm") and xname in params
                and n.input[1] in vals and (n.op_type == "Conv" or any(
                    a.name == "transB" and a.i for a in n.attribute))):
            base = n.output[0]
            n.input[1], ws = quantize_weight(base, vals[n.input[1]], 0)
            if len(n.input) > 2 and n.input[2] in vals:
                bs = (params[xname][0] * ws).astype(np.float32)
                bq = np.round(vals[n.input[2]].astype(np.float64) /
                              bs).astype(np.int32)
                nodes.append(h.make_node(
                    "DequantizeLinear", [const(base + "_b", bq),
                                         const(base + "_b_scale", bs),
                                         const(base + "_b_zp",
                                               np.zeros(len(bs), np.int32))],
                    [base + "_b_dq"], axis=0))
                n.input[2] = base + "_b_dq"
        out = n.output[0] if n.output else None
        if out in qset:
            if out in outputs:
                n.output[0] = out + "_float"
            nodes.append(n)
            pair, renamed[out] = qdq_pair(out)
            nodes += pair
        else:
            nodes.append(n)
    # Drop what nothing reads any more (the float weights' Identity nodes).
    while True:
        used = {v for n in nodes for v in n.input} | outputs
        keep = [n for n in nodes if any(o in used for o in n.output)]
        if len(keep) == len(nodes):
            break
        nodes = keep
    used = {v for n in nodes for v in n.input}
    old = [i for i in g.initializer if i.name in used]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(old + inits)
    del g.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def integer_conv_count(args, path, work):
    """(integer conv/matmul ops: ConvInteger, MatMulInteger and the blocked
    QConvNCHWc; float Conv/Gemm/MatMul/ConvNCHWc ops) in Kiln's -O3 graph of
    path."""
    kir = os.path.join(work, "kiln-O3.kir")
    run.check_call([args.kilnc, path, "-O3", "--emit=graph-ir", "-o", kir],
                   "kilnc --emit=graph-ir")
    text = open(kir).read()
    ints = sum(text.count(f"= {op}(")
               for op in ("ConvInteger", "MatMulInteger", "QConvNCHWc"))
    floats = sum(text.count(f"= {op}(")
                 for op in ("Conv", "Gemm", "MatMul", "ConvNCHWc"))
    return ints, floats


# Creates a session with verbose logging: ONNX Runtime logs "Matched <op>"
# for each QDQ node group it fuses into an integer kernel (QLinearConv, ...).
ORT_MATCH_JS = """
const ort = require(process.argv[1]);
ort.env.logLevel = 'verbose';
ort.InferenceSession.create(process.argv[2], {graphOptimizationLevel: 'all',
    logSeverityLevel: 0, logVerbosityLevel: 10})
  .then(() => process.exit(0), (e) => { console.log(String(e));
                                        process.exit(1); });
"""


def ort_fused(args, path):
    """{op: QDQ groups ONNX Runtime fuses} for the model at path."""
    out = run.check_call([args.node, "-e", ORT_MATCH_JS, os.path.join(
        HERE, "ort", "node_modules", "onnxruntime-node"), path],
        "onnxruntime-node (verbose session)")
    counts = {}
    for line in out.splitlines():
        if "MatchAndProcess] Matched " in line:
            op = line.rsplit(" ", 1)[1]
            counts[op] = counts.get(op, 0) + 1
    return counts


def bench_ort(args, name, path, rows):
    out_dir = os.path.join(args.work, "quant", name, "ort")
    os.makedirs(out_dir, exist_ok=True)
    fmodel = run.Model(name, path)
    samples = [random_input(fmodel, f"{name}-calib-{i}")
               for i in range(args.calib_samples)]
    qpath = os.path.join(out_dir, f"{name}_qdq.onnx")
    start = time.perf_counter()
    write_qdq(args, fmodel, qpath, samples, out_dir)
    log(f"{name}: QDQ model written in {time.perf_counter() - start:.1f} s")
    ints, floats = integer_conv_count(args, qpath, out_dir)
    log(f"{name}: Kiln -O3 on the QDQ model: {ints} integer conv/matmul "
        f"ops, {floats} float ones")
    fused = ort_fused(args, qpath)
    ort_ints = sum(fused.get(op, 0) for op in ("Conv", "Gemm", "MatMul"))
    log(f"{name}: ONNX Runtime fuses the QDQ groups " + ", ".join(
        f"{op} {k}" for op, k in sorted(fused.items())))
    eval_in = random_input(fmodel, f"{name}-eval-0")
    kinds = [("int8 (QDQ)", run.Model(name, qpath))]
    if args.ort_float:
        kinds.append(("float", fmodel))
    first_row, ort_out = len(rows), {}
    for kind, model in kinds:
        kdir = os.path.join(out_dir, "f32" if kind == "float" else "int8")
        os.makedirs(kdir, exist_ok=True)
        raw = os.path.join(kdir, "in0.bin")
        eval_in.tofile(raw)
        exe, _ = run.compile_model(args, model, kdir)
        spec = f"f32:{','.join(map(str, eval_in.shape))}:{raw}"
        ort_argv = [args.node, os.path.join(HERE, "ort", "ort_bench.js"),
                    model.path, spec]
        got = {}
        for label, argv in (("kiln", [exe, raw]), ("ort", ort_argv)):
            d = os.path.join(kdir, f"out-{label}")
            os.makedirs(d, exist_ok=True)
            s = run.Server(label, argv, os.path.join(kdir, f"{label}.log"))
            try:
                s.threads(1)
                s.send(f"write {d}")
            finally:
                s.close()
            got[label] = model.read_outputs(d)
        err = run.relative_l2(got["kiln"], got["ort"])
        ort_out[kind] = got["ort"]
        for t in args.threads:
            kms, oms, kn, on = time_servers(args, [exe, raw], ort_argv,
                                            ("kiln", "ort"), t, kdir)
            log(f"{name} {kind} x{t}: Kiln {kms:.3f} ms, ORT {oms:.3f} ms "
                f"({kn} / {on} runs)")
            rows.append([name, kind, str(t), f"{kms:.3f}", f"{oms:.3f}",
                         f"{kms / oms:.2f}", f"{err:.1e}",
                         f"{ints}/{ints + floats}" if kind != "float"
                         else "-",
                         f"{ort_ints}/{ints + floats}" if kind != "float"
                         else "-", "-"])
    if "float" in ort_out:  # how far the QDQ model is from float (in ORT)
        qerr = run.relative_l2(ort_out["int8 (QDQ)"], ort_out["float"])
        for row in rows[first_row:]:
            if row[1] != "float":
                row[-1] = f"{qerr:.3f}"


# --- Main ---------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get(
        "KILN_BUILD_DIR", os.path.join(ROOT, "build")))
    ap.add_argument("--work", default=None,
                    help="output directory (default: BUILD/bench)")
    ap.add_argument("--zoo", default=None,
                    help="zoo directory (default: WORK/zoo; missing models "
                    "are generated with bench/zoo.py)")
    ap.add_argument("--models", default=",".join(ZOO_MODELS +
                                                 list(EXTRA_MODELS)))
    ap.add_argument("--threads", default="1")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--runs", type=int, default=4,
                    help="minimum runs per side per round")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--calib-samples", type=int, default=4)
    ap.add_argument("--eval-samples", type=int, default=4)
    ap.add_argument("--kilnc-flags", default="",
                    help="more kilnc flags for the int8 build, e.g. "
                    "'--calibration=entropy --activation-type=i8'")
    ap.add_argument("--no-qdq", dest="qdq", action="store_false",
                    help="skip part 2 (Kiln vs ONNX Runtime on QDQ models)")
    ap.add_argument("--no-ort-float", dest="ort_float", action="store_false",
                    help="in part 2, skip Kiln vs ONNX Runtime in float")
    ap.add_argument("--no-float-int8", dest="float_int8",
                    action="store_false", help="skip part 1")
    args = ap.parse_args(argv)
    args.opt = "-O3"
    args.threads = [int(t) for t in args.threads.split(",") if t]
    args.work = os.path.abspath(args.work or os.path.join(args.build, "bench"))
    args.zoo = os.path.abspath(args.zoo or os.path.join(args.work, "zoo"))
    args.kilnc = os.path.join(args.build, "bin", "kilnc")
    args.runtime_lib = os.path.join(args.build, "lib", "libKilnRuntime.a")
    args.cc = os.environ.get("CC", "cc")
    args.node = run.shutil.which("node") or "node"
    return args


def main(argv):
    args = parse_args(argv)
    if run.MISSING:
        sys.exit(f"quant_speed: {run.MISSING} (Debian: python3-numpy, "
                 f"python3-onnx; run with /usr/bin/python3)")
    for path in (args.kilnc, args.runtime_lib):
        if not os.path.exists(path):
            sys.exit(f"quant_speed: {path} is missing: build Kiln first")
    names = [n for n in args.models.split(",") if n]
    paths = {n: EXTRA_MODELS.get(n, os.path.join(args.zoo, n + ".onnx"))
             for n in names}
    missing = [n for n in names if not os.path.exists(paths[n])]
    if missing:
        if subprocess.run([sys.executable, os.path.join(HERE, "zoo.py"),
                           args.zoo] + missing).returncode != 0:
            sys.exit("quant_speed: bench/zoo.py failed")
    load = os.getloadavg()
    rows, compile_rows, ort_rows, fails = [], [], [], []
    for n in names if args.float_int8 else []:
        try:
            bench_float_int8(args, n, paths[n], rows, compile_rows)
        except Exception as e:  # one failed model is one report line
            fails.append(f"{n}: {e}")
            log(f"{n}: FAIL: {e}")
    for n in names if args.qdq else []:
        try:
            bench_ort(args, n, paths[n], ort_rows)
        except Exception as e:  # one failed model is one report line
            fails.append(f"{n} (QDQ): {e}")
            log(f"{n} (QDQ): FAIL: {e}")
    vnni = "avx512_vnni" in open("/proc/cpuinfo").read()
    info = [f"Date: {run.datetime.date.today().isoformat()}; machine: "
            f"{run.cpu_name()}, {os.cpu_count()} CPUs, AVX-512 VNNI: "
            f"{'yes' if vnni else 'no'}; Kiln {run.git_describe()} (-O3); "
            f"int8 flags: --quantize=int8 {args.kilnc_flags}".rstrip() + ".",
            f"Medians of {args.rounds} alternating rounds (>= {args.runs} runs "
            f"per side each, after {args.warmup} warm-up runs); load average "
            f"at the start: " + ", ".join(f"{x:.2f}" for x in load)
            + ", at the end: " + ", ".join(f"{x:.2f}" for x in
                                           os.getloadavg()) + "."]
    tables = [("Kiln float vs Kiln int8",
               ["model", "threads", "float ms", "int8 ms", "float/int8",
                "int8 rel. L2", "top-1 agree"], rows),
              (f"Compile and calibration time (s; {args.calib_samples} "
               "calibration samples)",
               ["model", "kilnc float", "kilnc int8", "quantization alone",
                "samples"], compile_rows),
              ("Kiln vs ONNX Runtime (onnxruntime-node 1.20.1) on the "
               "same QDQ model",
               ["model", "kind", "threads", "Kiln ms", "ORT ms", "Kiln/ORT",
                "Kiln vs ORT rel. L2", "Kiln integer ops", "ORT integer ops",
                "ORT int8 vs float rel. L2"],
               ort_rows)]
    md = ["\n".join(f"{line}  " for line in info).rstrip(), ""]
    print("\n" + "\n".join(info))
    for title, header, body in tables:
        if not body:
            continue
        print(f"\n{title}\n" + run.text_table(header, body))
        md += [f"{title}:", "", run.md_table(header, body), ""]
    if fails:
        print("\nFailures:\n" + "\n".join(fails))
        md += ["Failures:", ""] + [f"- {f}" for f in fails] + [""]
    path = os.path.join(args.work, "quant-results.md")
    with open(path, "w") as f:
        f.write("\n".join(md))
    print(f"\nwrote {path}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
