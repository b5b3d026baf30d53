#!/usr/bin/env python3
"""The PyTorch peer of sparktune's benchmark: the same fine-tune, in PyTorch, on the same cores.

Trains the benchmark's Keras network (its .h5 weights loaded; a new, seeded 10-class head) on the same IDX data,
with the same minibatch, optimiser (Adam), learning rate and epochs, and writes the same JSON shape as
sparktune's single-process baseline (history, examples-per-second, peak-rss-bytes), so `sparktune bench` puts it
in the same table. Modes:
  single  one process, all cores (torch.set_num_threads), or --threads N
  ddp     one process per core, one thread each, DistributedDataParallel over gloo on 127.0.0.1
  gemm    the machine's SGEMM rate through PyTorch's BLAS (the ceiling for achieved GFLOP/s)

Needs Debian's python3-torch and python3-h5py; never a test dependency (bench/README.md).
"""
import argparse
import gzip
import json
import os
import resource
import struct
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def h5_arrays(path):
    """Every weight array in a Keras weights file, by its layer name, in file order."""
    out = {}
    with h5py.File(path, "r") as h:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out.setdefault(name.split("/")[0], []).append((name, np.array(obj)))
        h.visititems(visit)
    return out


def kernel_and_bias(arrays):
    kernel = [a for n, a in arrays if a.ndim > 1][0]
    bias = [a for n, a in arrays if a.ndim == 1][0]
    return kernel, bias


class KerasCnn(nn.Module):
    """Keras's MNIST CNN: conv 3x3x32, relu, conv 3x3x32, relu, max-pool 2, dropout .25, dense 128, relu,
    dropout .5, new head. Its dense layer reads the channels-last flatten, so the input is permuted before it."""

    def __init__(self, weights, classes):
        super().__init__()
        w = h5_arrays(weights)
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 32, 3)
        self.dense = nn.Linear(4608, 128)
        self.head = nn.Linear(128, classes)
        for layer, name in ((self.conv1, "convolution2d_1"), (self.conv2, "convolution2d_2")):
            k, b = kernel_and_bias(w[name])  # (rows, cols, in, out), TensorFlow's correlation
            layer.weight.data = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))
            layer.bias.data = torch.from_numpy(b.copy())
        k, b = kernel_and_bias(w["dense_1"])
        self.dense.weight.data = torch.from_numpy(np.ascontiguousarray(k.T))
        self.dense.bias.data = torch.from_numpy(b.copy())

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = F.dropout(F.max_pool2d(x, 2), 0.25, self.training)
        x = x.permute(0, 2, 3, 1).flatten(1)
        x = F.dropout(F.relu(self.dense(x)), 0.5, self.training)
        return self.head(x)


class KerasMlp(nn.Module):
    """Keras's MNIST MLP: 784-512-512 relu with dropout .2, new head."""

    def __init__(self, weights, classes):
        super().__init__()
        w = h5_arrays(weights)
        self.d1, self.d2 = nn.Linear(784, 512), nn.Linear(512, 512)
        self.head = nn.Linear(512, classes)
        for layer, name in ((self.d1, "dense_1"), (self.d2, "dense_2")):
            k, b = kernel_and_bias(w[name])
            layer.weight.data = torch.from_numpy(np.ascontiguousarray(k.T))
            layer.bias.data = torch.from_numpy(b.copy())

    def forward(self, x):
        x = F.dropout(F.relu(self.d1(x.flatten(1))), 0.2, self.training)
        x = F.dropout(F.relu(self.d2(x)), 0.2, self.training)
        return self.head(x)


def load(args):
    def images(path):
        return torch.from_numpy(read_idx(path).astype(np.float32) / 255.0).unsqueeze(1)

    def labels(path):
        return torch.from_numpy(read_idx(path).astype(np.int64))

    x, y = images(args.train), labels(args.train_labels)
    if args.max_train > 0:
        x, y = x[:args.max_train], y[:args.max_train]
    return x, y, images(args.validation), labels(args.validation_labels)


def build(args):
    torch.manual_seed(args.seed)  # the new head's initialisation
    model = (KerasCnn if args.model == "cnn" else KerasMlp)(args.weights, 10)
    return model


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    model.train()
    return correct / len(x)


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def train(args, rank=0, world=1):
    x, y, vx, vy = load(args)
    model = build(args)
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    per_worker = args.batch // world
    history, seconds = [], 0.0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(args.seed * 1000 + epoch))
        steps = len(x) // args.batch + (1 if len(x) % args.batch else 0)
        t0 = time.perf_counter()
        for s in range(steps):
            idx = order[s * args.batch:(s + 1) * args.batch][rank * per_worker:(rank + 1) * per_worker]
            if len(idx) == 0:
                idx = order[:1]  # a last, short minibatch: every worker must take part in the all-reduce
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        secs = time.perf_counter() - t0
        seconds += secs
        acc = accuracy(model.module if world > 1 else model, vx, vy) if rank == 0 else None
        history.append({"epoch": epoch, "validation-accuracy": acc, "seconds": secs,
                        "examples-per-second": len(x) / secs})
        if rank == 0:
            print(f"pytorch epoch {epoch}: {secs:.1f} s, {len(x) / secs:.0f} examples/s, validation accuracy {acc:.4f}",
                  file=sys.stderr, flush=True)
    return {"history": history, "train-examples": len(x), "training-seconds": seconds,
            "examples-per-second": len(x) * args.epochs / seconds, "peak-rss-bytes": peak_rss_bytes()}


def ddp_worker(rank, world, args, queue):
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(args.port))
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world)
    result = train(args, rank, world)
    queue.put((rank, result))
    torch.distributed.destroy_process_group()


def ddp(args):
    world = os.cpu_count()
    ctx = torch.multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=ddp_worker, args=(r, world, args, queue)) for r in range(world)]
    for p in procs:
        p.start()
    results = {}
    for _ in procs:  # a worker that dies would leave the others waiting in the all-reduce: never wait forever
        try:
            rank, result = queue.get(timeout=4 * 3600)
        except Exception:
            for p in procs:
                p.kill()
            sys.exit(f"ddp: a worker did not finish (exit codes {[p.exitcode for p in procs]})")
        results[rank] = result
    for p in procs:
        p.join()
    out = results[0]
    out["workers"] = world
    out["peak-rss-bytes"] = sum(r["peak-rss-bytes"] for r in results.values())  # the job's memory: all workers
    return out


def gemm():
    torch.set_num_threads(os.cpu_count())
    best = 0.0
    for n in (1024, 2048, 3072):
        a, b = torch.rand(n, n), torch.rand(n, n)
        for _ in range(2):
            a @ b
        reps = 5
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = max(best, 2.0 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9)
    return {"sgemm-gflops": best, "threads": os.cpu_count(), "torch": torch.__version__}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["single", "ddp", "gemm"])
    p.add_argument("--output", required=True)
    p.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    p.add_argument("--weights")
    p.add_argument("--train")
    p.add_argument("--train-labels")
    p.add_argument("--validation")
    p.add_argument("--validation-labels")
    p.add_argument("--max-train", type=int, default=0)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--port", type=int, default=29517)
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="single: threads (default: all cores)")
    args = p.parse_args()
    if args.mode == "gemm":
        result = gemm()
    elif args.mode == "single":
        torch.set_num_threads(args.threads)
        result = train(args)
    else:
        result = ddp(args)
    result["torch-threads"] = torch.get_num_threads()
    with open(args.output, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
