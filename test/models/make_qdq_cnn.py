#!/usr/bin/env python3
"""Writes a small QDQ-format CNN (ONNX) for testing qdq-to-integer.

A Fashion-MNIST-shaped net with random weights, quantized the way ONNX
Runtime's static quantizer writes QDQ models: QuantizeLinear/DequantizeLinear
around every activation (u8, per tensor, scales from a numpy float run on
random inputs), int8 weights per output channel (DequantizeLinear axis 0),
float biases. Deterministic for a given --seed; nothing is downloaded.

  /usr/bin/python3 test/models/make_qdq_cnn.py OUT.onnx [--seed=N]
  kilnc -O3 OUT.onnx ...   # compiles to ConvInteger/MatMulInteger kernels

Layers: conv3x3(1->8)+Relu, maxpool2, conv3x3(8->16)+Relu, maxpool2,
Flatten, Gemm(784->32, transB)+Relu, Gemm(32->10, transB).
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv2d(x, w, b):
    """NCHW 3x3 convolution with padding 1 (float reference for ranges)."""
    n, c, h, wd = x.shape
    m = w.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, m, h, wd), np.float32)
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, i:i + h, j:j + wd]
            out += np.einsum("nchw,mc->nmhw", patch, w[:, :, i, j])
    return out + b[None, :, None, None]


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    def weights(*shape):
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(
            np.float32)

    w1, b1 = weights(8, 1, 3, 3), (rng.standard_normal(8) * 0.1).astype(np.float32)
    w2, b2 = weights(16, 8, 3, 3), (rng.standard_normal(16) * 0.1).astype(np.float32)
    w3, b3 = weights(32, 784), (rng.standard_normal(32) * 0.1).astype(np.float32)
    w4, b4 = weights(10, 32), (rng.standard_normal(10) * 0.1).astype(np.float32)

    # Float run on random inputs for the activation ranges (min/max).
    x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
    a1 = np.maximum(conv2d(x, w1, b1), 0)
    a2 = np.maximum(conv2d(maxpool2(a1), w2, b2), 0)
    f = maxpool2(a2).reshape(16, -1)
    a3 = np.maximum(f @ w3.T + b3, 0)
    a4 = a3 @ w4.T + b4

    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def act_params(name, values):
        lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
        scale = np.float32((hi - lo) / 255 or 1.0)
        zp = np.uint8(np.clip(np.round(-lo / scale), 0, 255))
        return const(name + "_scale", scale), const(name + "_zp", zp)

    def qdq(value, params):
        s, z = params
        nodes.append(helper.make_node("QuantizeLinear", [value, s, z],
                                      [value + "_q"]))
        nodes.append(helper.make_node("DequantizeLinear", [value + "_q", s, z],
                                      [value + "_dq"]))
        return value + "_dq"

    def weight(name, w):
        axes = tuple(range(1, w.ndim))
        scale = (np.abs(w).max(axis=axes) / 127).astype(np.float32)
        scale[scale == 0] = 1
        shape = (-1,) + (1,) * (w.ndim - 1)
        q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
        const(name + "_q", q)
        const(name + "_scale", scale)
        const(name + "_zp", np.zeros(w.shape[0], np.int8))
        nodes.append(helper.make_node(
            "DequantizeLinear", [name + "_q", name + "_scale", name + "_zp"],
            [name + "_dq"], axis=0))
        return name + "_dq"

    def node(op, inputs, output, **attrs):
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    p_in = act_params("image", x)
    p1, p2 = act_params("a1", a1), act_params("a2", a2)
    p3, p4 = act_params("a3", a3), act_params("a4", a4)

    v = qdq("image", p_in)
    v = node("Conv", [v, weight("w1", w1), const("b1", b1)], "c1",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    v = qdq(node("Relu", [v], "r1"), p1)
    v = qdq(node("MaxPool", [v], "p1", kernel_shape=[2, 2], strides=[2, 2]), p1)
    v = node("Conv", [v, weight("w2", w2), const("b2", b2)], "c2",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    v = qdq(node("Relu", [v], "r2"), p2)
    v = qdq(node("MaxPool", [v], "p2", kernel_shape=[2, 2], strides=[2, 2]), p2)
    v = qdq(node("Flatten", [v], "flat"), p2)
    v = node("Gemm", [v, weight("w3", w3), const("b3", b3)], "g3", transB=1)
    v = qdq(node("Relu", [v], "r3"), p3)
    v = node("Gemm", [v, weight("w4", w4), const("b4", b4)], "g4", transB=1)
    v = qdq(v, p4)
    nodes.append(helper.make_node("Identity", [v], ["logits"]))

    graph = helper.make_graph(
        nodes, "qdq_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.producer_name = "kiln make_qdq_cnn.py"
    onnx.checker.check_model(model)
    onnx.save(model, args.out)


if __name__ == "__main__":
    main()
