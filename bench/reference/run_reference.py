#!/usr/bin/python3
"""Runs the PyTorch reference (thermo_reference.py) for thermo's tests and benchmarks.

  /usr/bin/python3 run_reference.py --check DIR
      reads DIR/config.json, parameters.npy, train_x/y.npy, test_x/y.npy (written by thermo's
      exactness test) and writes DIR/ref_*.npy.
  /usr/bin/python3 run_reference.py --bench --model convnet --channels 8 --threads 2
      prints one JSON line: iterations/second of the training step at batch 128.
  /usr/bin/python3 run_reference.py --drift DIR [--steps 20] [--noise 1e-7]
      how far the reference's own full-batch trajectory from DIR moves when its start is perturbed
      by a relative `noise`: at a learning rate where it is small, the exactness test can compare
      whole trajectories.
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
    mode.add_argument("--drift", metavar="DIR", help="sensitivity of the full-batch trajectory to its start")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--noise", type=float, default=1e-7)
    parser.add_argument("--model", default="convnet", choices=["convnet", "resnet18"])
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--loss", default="cross_entropy", choices=["cross_entropy", "mse"])
    args = parser.parse_args()
    if args.check:
        thermo_reference.run_check(args.check)
    elif args.drift:
        losses, points = thermo_reference.run_free_trajectory(args.drift, args.steps)
        perturbed_losses, perturbed = thermo_reference.run_free_trajectory(args.drift, args.steps, args.noise)
        loss_drift = [abs(a - b) / abs(a) for a, b in zip(losses, perturbed_losses)]
        point_drift = [float(((a - b) ** 2).sum() ** 0.5 / (a ** 2).sum() ** 0.5) for a, b in zip(points, perturbed)]
        print(json.dumps({"noise": args.noise, "loss_relative_drift": loss_drift,
                          "parameter_relative_drift": point_drift}))
    else:
        result = thermo_reference.bench(args.model, args.channels, args.threads, args.batch, args.iterations,
                                        args.warmup, loss=args.loss)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
