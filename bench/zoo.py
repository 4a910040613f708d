#!/usr/bin/env python3
"""Generates the benchmark model zoo as ONNX files.

    python3 bench/zoo.py OUT_DIR [name ...]

Uses Debian's python3-torch and python3-torchvision (scripts/setup.sh installs
them). Pretrained weights cannot be downloaded here, so every model is
randomly initialised from a fixed seed; eval mode, batch 1, float32, opset 13:
what a user gets from torch.onnx.export with defaults. Models are written as
OUT_DIR/<name>.onnx and never committed (ResNet-50 is 100 MB). Existing files
are kept.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision


class LeNet(nn.Module):
    """LeNet-5 style CNN on a 1x1x32x32 image."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class EncoderLayer(nn.Module):
    """A post-norm BERT encoder layer written out in plain ops (the export
    then shows what BERT exports show: MatMul, Softmax, decomposed LayerNorm
    and GELU)."""

    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads = heads
        self.qkv = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(3))
        self.out = nn.Linear(hidden, hidden)
        self.norm1 = nn.LayerNorm(hidden)
        self.ffn1 = nn.Linear(hidden, ffn)
        self.ffn2 = nn.Linear(ffn, hidden)
        self.norm2 = nn.LayerNorm(hidden)

    def forward(self, x):
        b, s, h = x.shape
        d = h // self.heads
        q, k, v = (m(x).reshape(b, s, self.heads, d).transpose(1, 2)
                   for m in self.qkv)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d)
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        ctx = ctx.transpose(1, 2).reshape(b, s, h)
        x = self.norm1(x + self.out(ctx))
        return self.norm2(x + self.ffn2(nn.functional.gelu(self.ffn1(x))))


class BertEncoder(nn.Module):
    """4 layers, hidden 256, 4 heads, FFN 1024, on float embeddings
    [1, 128, 256]."""

    def __init__(self, layers=4, hidden=256, heads=4, ffn=1024):
        super().__init__()
        self.layers = nn.Sequential(
            *(EncoderLayer(hidden, heads, ffn) for _ in range(layers)))

    def forward(self, x):
        return self.layers(x)


def vision(factory):
    return lambda: factory(weights=None), (1, 3, 224, 224)


MODELS = {
    "resnet50": vision(torchvision.models.resnet50),
    "mobilenet_v2": vision(torchvision.models.mobilenet_v2),
    "squeezenet1_1": vision(torchvision.models.squeezenet1_1),
    "bert_encoder": (BertEncoder, (1, 128, 256)),
    "lenet": (LeNet, (1, 1, 32, 32)),
    "resnet18": vision(torchvision.models.resnet18),
    # Grouped 3x3 convs (32 groups of 4 to 32 channels), not in the default
    # set: for the grouped int8 and float kernels.
    "resnext50_32x4d": vision(torchvision.models.resnext50_32x4d),
}
DEFAULT = ["resnet50", "mobilenet_v2", "squeezenet1_1", "bert_encoder",
           "lenet"]


def export(name, out_dir):
    path = os.path.join(out_dir, name + ".onnx")
    if os.path.exists(path):
        return path
    make, shape = MODELS[name]
    torch.manual_seed(0)
    model = make().eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        torch.onnx.export(model, x, path + ".tmp", opset_version=13,
                          input_names=["input"], output_names=["output"])
    os.replace(path + ".tmp", path)
    print(f"wrote {path}", file=sys.stderr)
    return path


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out_dir = argv[1]
    names = argv[2:] or DEFAULT
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"unknown model '{unknown[0]}' (known: {', '.join(MODELS)})")
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        export(name, out_dir)


if __name__ == "__main__":
    main(sys.argv)
