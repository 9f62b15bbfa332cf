#!/usr/bin/python3
"""Side-by-side speed of thermo and the PyTorch reference, in one run on one machine.

For ConvNet c=8 (UP) and c=64 (OP) at batch 128 with iid batches, cross-entropy and projected
SGD, it times the reference's training step (bench/reference/run_reference.py --bench, Debian's
python3-torch) and `thermo bench` on the pipeline's real set-up with CIFAR-shaped synthetic data
(the paper's data is not needed for speed), alternating them `--repeats` times and keeping each
one's best, then prints a Markdown table with both speeds and their ratio.

  /usr/bin/python3 bench/compare_with_reference.py [--threads 2] [--thermo thermo] [--repeats 2]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CASES = [
    # name, pipeline, channels, timed iterations (thermo, reference)
    ("UP ConvNet c=8", "convnet_up_cifar10.yaml", 8, 300, 100),
    ("OP ConvNet c=64", "convnet_op_cifar10.yaml", 64, 12, 6),
]


def run_json(command, env):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--thermo", default=shutil.which("thermo") or os.path.join(ROOT, "build", "bin", "thermo"))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", choices=["up", "op"], help="run one case only")
    arguments = parser.parse_args()

    env = dict(os.environ, OMP_NUM_THREADS=str(arguments.threads))
    rows = []
    for name, pipeline, channels, thermo_iterations, reference_iterations in CASES:
        if arguments.only and not name.lower().startswith(arguments.only):
            continue
        thermo_command = [
            arguments.thermo, "-q", "bench", os.path.join(ROOT, "pipelines", pipeline),
            "dataset={plugin: synthetic, train_size: 50000, test_size: 10000}", "estimators=[]",
            "--threads", str(arguments.threads), "--iters", str(thermo_iterations), "--log-steps", "0", "--json",
        ]
        reference_command = [
            sys.executable, os.path.join(HERE, "reference", "run_reference.py"), "--bench", "--model", "convnet",
            "--channels", str(channels), "--threads", str(arguments.threads), "--iterations",
            str(reference_iterations),
        ]
        best_thermo, best_reference = 0.0, 0.0
        for _ in range(arguments.repeats):
            best_reference = max(best_reference, run_json(reference_command, env)["iterations_per_second"])
            best_thermo = max(best_thermo, run_json(thermo_command, env)["iterations_per_second"])
        rows.append((name, best_reference, best_thermo))
        print(f"{name}: reference {best_reference:.2f} it/s, thermo {best_thermo:.2f} it/s", file=sys.stderr)

    print(f"| model (batch 128, {arguments.threads} threads) | PyTorch reference it/s | thermo it/s | ratio |")
    print("|---|---|---|---|")
    for name, reference, thermo in rows:
        print(f"| {name} | {reference:.2f} | {thermo:.2f} | {thermo / reference:.2f}x |")
    print(f"\ncommand: /usr/bin/python3 bench/compare_with_reference.py --threads {arguments.threads}")


if __name__ == "__main__":
    main()
