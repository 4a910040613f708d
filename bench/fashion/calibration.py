#!/usr/bin/env python3
"""Writes a calibration set for `kilnc --quantize=int8 --calibration-data=DIR`:
N Fashion-MNIST training images as f32[1,1,28,28] .npy files, normalized
exactly as the model's input (fmnist.normalize).

    /usr/bin/python3 bench/fashion/calibration.py OUT_DIR [--count=100]

The selection is deterministic and class-balanced: image i of the set is
the (i // 10)-th training image of class i % 10, so the same N always gives
the same files (calib_000.npy, ...), and no test image is ever used.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fmnist  # noqa: E402


def select(labels, count):
    """Training indices: round-robin over the classes, in file order."""
    per_class = [np.flatnonzero(labels == c) for c in range(10)]
    picks = []
    for i in range(count):
        members = per_class[i % 10]
        if i // 10 >= len(members):
            raise fmnist.DataError(f"class {i % 10} has only {len(members)} "
                                   f"training images")
        picks.append(int(members[i // 10]))
    return picks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--data-dir", default=fmnist.DATA_DIR)
    args = ap.parse_args()
    if args.count < 1:
        sys.exit("calibration.py: --count must be at least 1")
    try:
        images, labels = fmnist.load("train", args.data_dir)
        picks = select(labels, args.count)
    except fmnist.DataError as e:
        sys.exit(f"calibration.py: error: {e}")
    os.makedirs(args.out_dir, exist_ok=True)
    x = fmnist.normalize(images[picks])
    width = max(3, len(str(args.count - 1)))
    for i in range(args.count):
        np.save(os.path.join(args.out_dir, f"calib_{i:0{width}d}.npy"),
                x[i:i + 1], allow_pickle=False)
    print(f"wrote {args.count} calibration inputs f32[1,1,28,28] to "
          f"{args.out_dir} (training images round-robin over the 10 "
          f"classes)")


if __name__ == "__main__":
    main()
