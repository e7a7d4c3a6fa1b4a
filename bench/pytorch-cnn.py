"""The framework anchor of `npm run bench`: Runboard's `cnn` preset written in PyTorch, trained for one epoch on the
same Fashion-MNIST training images with the same optimiser and batch size, on one thread (as TensorFlow.js's wasm
backend runs in Node). Prints one JSON line: training samples per second.

Usage: /usr/bin/python3 bench/pytorch-cnn.py /usr/share/datasets/fashion-mnist   (Debian's python3-torch)
"""
import gzip
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main(folder):
    torch.manual_seed(1)
    torch.set_num_threads(1)
    images = idx(f"{folder}/train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    labels = idx(f"{folder}/train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    # conv2d(32,3,padding=same),relu,maxpool2d(2),conv2d(32,3),relu,maxpool2d(2),flatten,linear(128),relu,dropout(0.3), linear(10)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 6 * 6, 128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, 10),
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_of = nn.CrossEntropyLoss()
    order = torch.randperm(len(x))
    batch = 64
    started = time.perf_counter()
    model.train()
    for start in range(0, len(x), batch):
        rows = order[start:start + batch]
        optimiser.zero_grad()
        loss = loss_of(model(x[rows]), y[rows])
        loss.backward()
        optimiser.step()
    seconds = time.perf_counter() - started
    print(json.dumps({"samples_per_s": len(x) / seconds, "seconds": seconds, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist")
