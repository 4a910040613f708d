#!/usr/bin/env python3
"""Trains the small Fashion-MNIST CNN of docs/quantization.md on the CPU with
Debian's python3-torch and exports it as test/models/fashion_cnn.onnx.

    /usr/bin/python3 bench/fashion/train.py [--epochs=N] [--out=DIR]

Deterministic: fixed seeds, one thread, a seeded shuffle, deterministic
algorithms only, so a rerun on the same torch build gives the same weights.
The network is conv3x3(1->16)-BN-ReLU-maxpool2, conv3x3(16->32)-BN-ReLU-
maxpool2, FC(1568->64)-ReLU, FC(64->10) on f32[1,1,28,28] inputs normalized
as in fmnist.py. It writes the model (ONNX opset 13, batch 1; torch's
exporter folds each BatchNorm into its Conv) and fashion_cnn.json with
torch's own test accuracy.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import fmnist  # noqa: E402

SEED = 6


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
            nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32),
            nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(),
            nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def predict(model, x, batch=1000):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(x[i:i + batch]).argmax(1))
    return torch.cat(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "models"),
                    help="folder for fashion_cnn.onnx and fashion_cnn.json")
    ap.add_argument("--data-dir", default=fmnist.DATA_DIR)
    args = ap.parse_args()

    torch.set_num_threads(1)  # the machine's 2 cores are shared
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    np.random.seed(SEED)

    train_images, train_labels = fmnist.load("train", args.data_dir)
    test_images, test_labels = fmnist.load("test", args.data_dir)
    # The constants of fmnist.normalize must be this data's statistics.
    pixels = train_images.astype(np.float64) / 255.0
    mean, std = pixels.mean(), pixels.std()
    if abs(mean - fmnist.MEAN) > 1e-4 or abs(std - fmnist.STD) > 1e-4:
        sys.exit(f"train.py: training pixels have mean {mean:.5f}, std "
                 f"{std:.5f}; fmnist.MEAN/STD are {fmnist.MEAN}/{fmnist.STD}")
    x_train = torch.from_numpy(fmnist.normalize(train_images))
    y_train = torch.from_numpy(train_labels.astype(np.int64))
    x_test = torch.from_numpy(fmnist.normalize(test_images))
    y_test = torch.from_numpy(test_labels.astype(np.int64))

    model = FashionCnn()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * ((len(x_train) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr,
                                                total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(SEED)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=shuffle)
        total = 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        acc = (predict(model, x_test) == y_test).double().mean().item()
        print(f"epoch {epoch + 1}/{args.epochs}: loss "
              f"{total / len(x_train):.4f}, test top-1 {100 * acc:.2f}% "
              f"({time.time() - start:.0f} s)", flush=True)
    train_s = time.time() - start

    pred = predict(model, x_test)
    correct = int((pred == y_test).sum())
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "fashion_cnn.onnx")
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path,
                      opset_version=13, input_names=["image"],
                      output_names=["logits"], do_constant_folding=True)
    size = os.path.getsize(onnx_path)
    record = {
        "model": "fashion_cnn.onnx",
        "made_by": "bench/fashion/train.py",
        "torch": torch.__version__,
        "architecture": "conv3x3(1->16)-BN-ReLU-maxpool2, conv3x3(16->32)-"
                        "BN-ReLU-maxpool2, FC(1568->64)-ReLU, FC(64->10)",
        "input": "image: f32[1,1,28,28] = (pixel / 255 - mean) / std",
        "output": "logits: f32[1,10], classes in idx label order",
        "normalization": {"mean": fmnist.MEAN, "std": fmnist.STD},
        "seed": SEED,
        "epochs": args.epochs,
        "batch": args.batch,
        "optimizer": f"Adam, one-cycle learning rate, max {args.lr}",
        "threads": 1,
        "training_seconds": round(train_s, 1),
        "onnx_opset": 13,
        "onnx_bytes": size,
        "test_images": len(y_test),
        "torch_correct": correct,
        "torch_top1": round(100.0 * correct / len(y_test), 2),
        # Torch's class for every test image, one digit each, so a Kiln run
        # can count the images on which it disagrees with torch.
        "torch_predictions": "".join(str(int(c)) for c in pred),
    }
    with open(os.path.join(args.out, "fashion_cnn.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    print(f"wrote {onnx_path} ({size} bytes); training took {train_s:.0f} s")
    print(f"torch float top-1: {record['torch_top1']:.2f}% "
          f"({correct}/{len(y_test)})")


if __name__ == "__main__":
    main()
