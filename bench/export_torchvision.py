#!/usr/bin/env python3
"""Exports torchvision image classifiers to ONNX with random weights.

    python3 bench/export_torchvision.py OUT_DIR [resnet50 mobilenet_v2 ...]

Uses Debian's python3-torch and python3-torchvision (scripts/setup.sh installs
them). Weights come from a fixed seed, the models are in eval mode, batch 1,
224x224, opset 13: what a user gets from torch.onnx.export with defaults.
Models are written as OUT_DIR/<name>.onnx; nothing is committed (ResNet-50 is
100 MB).
"""
import os
import sys

import torch
import torchvision

MODELS = {
    "resnet50": torchvision.models.resnet50,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "resnet18": torchvision.models.resnet18,
    "squeezenet1_1": torchvision.models.squeezenet1_1,
}


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out_dir = argv[1]
    names = argv[2:] or ["resnet50", "mobilenet_v2"]
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        if name not in MODELS:
            sys.exit(f"unknown model '{name}' (known: {', '.join(MODELS)})")
        path = os.path.join(out_dir, name + ".onnx")
        if os.path.exists(path):
            continue
        torch.manual_seed(0)
        model = MODELS[name](weights=None).eval()
        x = torch.randn(1, 3, 224, 224)
        torch.onnx.export(model, x, path + ".tmp", opset_version=13,
                          input_names=["input"], output_names=["output"])
        os.replace(path + ".tmp", path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv)
