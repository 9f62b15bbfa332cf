#!/usr/bin/python3
"""Runs the PyTorch reference (thermo_reference.py) for thermo's tests and benchmarks.

  /usr/bin/python3 run_reference.py --check DIR
      reads DIR/config.json, parameters.npy, train_x/y.npy, test_x/y.npy (written by thermo's
      exactness test) and writes DIR/ref_*.npy.
  /usr/bin/python3 run_reference.py --bench --model convnet --channels 8 --threads 2
      prints one JSON line: iterations/second of the training step at batch 128.
  python3 run_reference.py --bench --model convnet --channels 8 --device cuda
      the same on the GPU (data and model on the device; float32 convolutions, no TF32, unless
      --tf32), as tools/device-check.sh times it against thermo's cuda backend.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import thermo_reference  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", metavar="DIR", help="compute the reference results for thermo's exactness test")
    mode.add_argument("--bench", action="store_true", help="time the training step")
    parser.add_argument("--model", default="convnet", choices=["convnet", "resnet18"])
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--loss", default="cross_entropy", choices=["cross_entropy", "mse"])
    parser.add_argument("--device", default="cpu", help="torch device of --bench: cpu or cuda (cuda:N)")
    parser.add_argument("--tf32", action="store_true", help="--bench on cuda: allow TF32 convolutions and matmuls")
    args = parser.parse_args()
    if args.check:
        thermo_reference.run_check(args.check)
    else:
        result = thermo_reference.bench(args.model, args.channels, args.threads, args.batch, args.iterations,
                                        args.warmup, loss=args.loss, device=args.device, tf32=args.tf32)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
