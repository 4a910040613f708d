#!/usr/bin/env python3
"""Writes single-op ONNX models for kernel-level benchmarks.

    python3 bench/kernels.py OUT_DIR [name ...]

Each model is one Conv (with bias) or one MatMul at a shape taken from the
zoo (bench/zoo.py): ResNet-50, MobileNetV2, SqueezeNet 1.1 and the BERT
encoder. Weights are seeded random constants (initializers); activations are
graph inputs. Built with onnx.helper (Debian's python3-onnx), opset 13.
bench/run.py --kernels times them like whole models. Existing files are kept.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv(cin, cout, size, kernel, stride=1, groups=1, pad=None):
    """Conv of an [1, cin, size, size] input, 'same'-style padding."""
    pad = kernel // 2 if pad is None else pad
    return ("conv", dict(cin=cin, cout=cout, size=size, kernel=kernel,
                         stride=stride, groups=groups, pad=pad))


def matmul(a, b, const_b=True):
    """MatMul of shapes a x b; B is a weight (initializer) unless const_b is
    False (attention: both operands are activations)."""
    return ("matmul", dict(a=a, b=b, const_b=const_b))


# name -> (kind, parameters); the comment says where the shape comes from.
KERNELS = {
    # ResNet-50.
    "r50_conv1_7x7s2": conv(3, 64, 224, 7, stride=2),          # stem
    "r50_3x3_64_56": conv(64, 64, 56, 3),                      # layer1
    "r50_1x1_64_256_56": conv(64, 256, 56, 1),                 # layer1
    "r50_1x1_256_64_56": conv(256, 64, 56, 1),                 # layer1
    "r50_3x3s2_128_56": conv(128, 128, 56, 3, stride=2),       # layer2.0
    "r50_3x3_128_28": conv(128, 128, 28, 3),                   # layer2
    "r50_3x3_256_14": conv(256, 256, 14, 3),                   # layer3
    "r50_1x1_1024_256_14": conv(1024, 256, 14, 1),             # layer4 in
    "r50_3x3_512_7": conv(512, 512, 7, 3),                     # layer4
    # MobileNetV2.
    "mbv2_dw3x3_32_112": conv(32, 32, 112, 3, groups=32),      # block 0
    "mbv2_dw3x3s2_144_56": conv(144, 144, 56, 3, stride=2, groups=144),
    "mbv2_1x1_16_96_112": conv(16, 96, 112, 1),                # expansion
    "mbv2_1x1_24_144_56": conv(24, 144, 56, 1),                # expansion
    "mbv2_1x1_144_24_56": conv(144, 24, 56, 1),                # projection
    # SqueezeNet 1.1, first fire module (64 channels in, at 55x55).
    "sq_fire_1x1_64_16_55": conv(64, 16, 55, 1),               # squeeze
    "sq_fire_1x1_16_64_55": conv(16, 64, 55, 1),               # expand 1x1
    "sq_fire_3x3_16_64_55": conv(16, 64, 55, 3),               # expand 3x3
    # Grouped convolution (ResNeXt-style).
    "grouped3x3_g4_64_56": conv(64, 64, 56, 3, groups=4),
    # BERT encoder (sequence 128, hidden 256, 4 heads of 64, FFN 1024).
    "bert_mm_128x256x256": matmul([128, 256], [256, 256]),     # Q/K/V/out
    "bert_mm_128x256x1024": matmul([128, 256], [256, 1024]),   # FFN up
    "bert_mm_128x1024x256": matmul([128, 1024], [1024, 256]),  # FFN down
    "bert_attn_qk": matmul([4, 128, 64], [4, 64, 128], const_b=False),
    "bert_attn_v": matmul([4, 128, 128], [4, 128, 64], const_b=False),
}


def make_conv(name, p, rng):
    out = (p["size"] + 2 * p["pad"] - p["kernel"]) // p["stride"] + 1
    w = rng.standard_normal((p["cout"], p["cin"] // p["groups"], p["kernel"],
                             p["kernel"])).astype(np.float32) * 0.1
    b = rng.standard_normal(p["cout"]).astype(np.float32) * 0.1
    node = helper.make_node(
        "Conv", ["input", "w", "b"], ["output"],
        kernel_shape=[p["kernel"]] * 2, strides=[p["stride"]] * 2,
        pads=[p["pad"]] * 4, group=p["groups"])
    return helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(
            "input", TensorProto.FLOAT, [1, p["cin"], p["size"], p["size"]])],
        [helper.make_tensor_value_info(
            "output", TensorProto.FLOAT, [1, p["cout"], out, out])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])


def make_matmul(name, p, rng):
    a, b = p["a"], p["b"]
    out = a[:-1] + b[-1:]
    inputs = [helper.make_tensor_value_info("a", TensorProto.FLOAT, a)]
    inits = []
    if p["const_b"]:
        w = rng.standard_normal(b).astype(np.float32) * 0.1
        inits.append(numpy_helper.from_array(w, "b"))
    else:
        inputs.append(helper.make_tensor_value_info("b", TensorProto.FLOAT, b))
    node = helper.make_node("MatMul", ["a", "b"], ["output"])
    return helper.make_graph(
        [node], name, inputs,
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, out)],
        inits)


def export(name, out_dir):
    path = os.path.join(out_dir, name + ".onnx")
    if os.path.exists(path):
        return path
    kind, params = KERNELS[name]
    rng = np.random.default_rng(0)
    make = make_conv if kind == "conv" else make_matmul
    model = helper.make_model(make(name, params, rng),
                              opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="kiln-bench-kernels")
    # Readers that do not know newer IR versions still accept this one.
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path + ".tmp")
    os.replace(path + ".tmp", path)
    return path


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out_dir = argv[1]
    names = argv[2:] or list(KERNELS)
    unknown = [n for n in names if n not in KERNELS]
    if unknown:
        sys.exit(f"unknown kernel '{unknown[0]}' (known: {', '.join(KERNELS)})")
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        export(name, out_dir)


if __name__ == "__main__":
    main(sys.argv)
