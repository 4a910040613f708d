"""Fashion-MNIST from Debian's dataset-fashion-mnist: the idx files, read with
gzip + numpy, and the one input normalization every script here shares.

The files are /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,
labels-idx1}-ubyte.gz (scripts/setup.sh installs the package). An idx file
is a big-endian header (magic 0x00000803 for u8 rank-3 images, 0x00000801
for u8 rank-1 labels, then one u32 per dimension) followed by the u8 data.
"""
import gzip
import os
import struct

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot"]

# The model's input is x = (pixel / 255 - MEAN) / STD, with the mean and
# standard deviation of all training pixels (after / 255), rounded to 4
# digits. train.py checks them against the data; eval.c takes them as flags.
MEAN = 0.2860
STD = 0.3530


class DataError(Exception):
    pass


def path(split, kind, data_dir=DATA_DIR):
    return os.path.join(data_dir, FILES[(split, kind)])


def available(data_dir=DATA_DIR):
    return all(os.path.isfile(os.path.join(data_dir, f))
               for f in FILES.values())


def parse_idx(raw, what):
    """The u8 array of an uncompressed idx file's bytes."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{what}: not a u8 idx file (bad magic)")
    rank = raw[3]
    if rank < 1 or len(raw) < 4 + 4 * rank:
        raise DataError(f"{what}: truncated idx header")
    dims = struct.unpack(">%dI" % rank, raw[4:4 + 4 * rank])
    count = int(np.prod(dims))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != count:
        raise DataError(f"{what}: header says {dims} ({count} bytes of data) "
                        f"but the file has {data.size}")
    return data.reshape(dims)


def read_raw(split, kind, data_dir=DATA_DIR):
    """The uncompressed idx bytes of one file."""
    p = path(split, kind, data_dir)
    try:
        with gzip.open(p, "rb") as f:
            return f.read()
    except OSError as e:
        raise DataError(f"cannot read '{p}': {e}")


def load(split, data_dir=DATA_DIR):
    """(images u8[N,28,28], labels u8[N]) of 'train' or 'test'."""
    images = parse_idx(read_raw(split, "images", data_dir),
                       path(split, "images", data_dir))
    labels = parse_idx(read_raw(split, "labels", data_dir),
                       path(split, "labels", data_dir))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{split}: images {images.shape} and labels "
                        f"{labels.shape} do not match")
    return images, labels


def normalize(images):
    """u8[N,28,28] -> f32[N,1,28,28], the model's input."""
    x = images.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x.reshape(len(images), 1, 28, 28).astype(np.float32)
