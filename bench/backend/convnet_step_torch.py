#!/usr/bin/python3
"""The same ConvNet(c) training step as backend_convnet_step_bench, in PyTorch (Debian's
python3-torch, CPU), for a side-by-side number: forward, cross-entropy, backward.

    /usr/bin/python3 bench/backend/convnet_step_torch.py [--threads 2] [--channels 8 64] [--repeats 20]
"""
import argparse
import time

import torch
import torch.nn as nn


def convnet(c, classes=10):
    def block(i, o, pool):
        layers = [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o, affine=False), nn.ReLU(inplace=True)]
        return layers + ([nn.MaxPool2d(2)] if pool else [])
    return nn.Sequential(*block(3, c, False), *block(c, 2 * c, True), *block(2 * c, 4 * c, True),
                         *block(4 * c, 8 * c, True), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(8 * c, classes))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for c in args.channels:
        model = convnet(c)
        model[-1].requires_grad_(False)  # the head is frozen
        x = torch.randn(128, 3, 32, 32)
        y = torch.arange(128) % 10
        loss_fn = nn.CrossEntropyLoss()
        best = float("inf")
        best_cpu = float("inf")
        for repeat in range(args.repeats + 3):
            start = time.perf_counter()
            cpu_start = time.process_time()
            model.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            elapsed = time.perf_counter() - start
            if repeat >= 3:
                best = min(best, elapsed)
                best_cpu = min(best_cpu, time.process_time() - cpu_start)
        print(f"PyTorch {torch.__version__} ConvNet({c}) batch 128, {args.threads} threads: "
              f"{best * 1e3:.2f} ms per step (min of {args.repeats}; {best_cpu * 1e3:.2f} ms of process cpu time)")


if __name__ == "__main__":
    main()
