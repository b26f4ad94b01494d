#!/usr/bin/python3
"""The PyTorch baseline of docs/performance.md, section nnsim-sgd: the same work as
`nnsim-sgd --layers 784,256,128,10 --batch 128 --optimizer momentum` on one process -- a
784-256-128-10 ReLU perceptron, softmax + cross-entropy, SGD with momentum 0.9, learning rate 0.05,
mini-batches of 128 drawn from a fixed permutation, float32 -- timed over the training steps only
(forward, backward, optimiser step), like nnsim-sgd's /timing/samples_per_second.

Prints one line per thread setting: "torch threads=T samples_per_second=X cpu_samples_per_second=Y"
(Y: per second of the process's CPU time).
Debian's python3-torch with libopenblas0-pthread; OPENBLAS_NUM_THREADS=1 (set by the caller, see
bench/run_bench_sgd.sh) so that OpenBLAS does not start threads of its own on top of torch's.
"""
import argparse
import gzip
import time

import numpy as np
import torch


def load_images(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[4:8], "big")
    images = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 784)[:limit]
    return images.astype(np.float32) / 255.0


def load_labels(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=8)[:limit].astype(np.int64)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--samples", type=int, default=20000, help="training samples (one epoch over them is timed)")
    p.add_argument("--epochs", type=int, default=2, help="epochs; the best epoch's rate is reported")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", default="1,2", help="torch.set_num_threads values to try")
    a = p.parse_args()
    x = load_images(f"{a.data_dir}/train-images-idx3-ubyte.gz", a.samples)
    y = load_labels(f"{a.data_dir}/train-labels-idx1-ubyte.gz", a.samples)
    x = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-6)  # standardised, as nnsim-sgd does
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        torch.manual_seed(1)
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                    torch.nn.ReLU(), torch.nn.Linear(128, 10))
        optimiser = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()
        best = best_cpu = 0.0
        for epoch in range(a.epochs):
            order = torch.randperm(len(y))
            seconds = cpu_seconds = 0.0
            for first in range(0, len(y), a.batch):
                idx = order[first:first + a.batch]
                start, cpu_start = time.perf_counter(), time.process_time()
                xb, yb = x[idx], y[idx]  # gathering the batch is timed in nnsim-sgd too
                optimiser.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimiser.step()
                seconds += time.perf_counter() - start
                cpu_seconds += time.process_time() - cpu_start
            best = max(best, len(y) / seconds)
            best_cpu = max(best_cpu, len(y) / cpu_seconds)
        # cpu_samples_per_second: per second of CPU time of the process (all its threads), which
        # the load of a shared machine changes far less than the wall time
        print(f"torch threads={threads} samples_per_second={best:.0f} cpu_samples_per_second={best_cpu:.0f}",
              flush=True)


if __name__ == "__main__":
    main()
