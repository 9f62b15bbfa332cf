#!/usr/bin/python3
"""One backend against itself under two settings: ConvNet(c)'s step op by op, alternating.

Runs backend_convnet_step_bench (bench/backend/convnet_step_bench.cpp) with the flags of setting A,
then of setting B, `--alternations` times, and prints per kind of op (and for the whole step) the
minimum and the median over the alternations of each setting's per-run minimum. Alternating keeps
the machine's drift out of the difference; the median says how much of it is luck.

  /usr/bin/python3 bench/compare_step_settings.py [--bench BIN] [--alternations 6] [--channels 8]
      [--threads 2] [--a "--winograd --no-thin-convolutions"] [--b "--winograd"]

The defaults compare the paper's ConvNet(8) step on the cpu backend without and with thermo's thin
convolution kernels (the `thin_convolutions` setting), both with Winograd as the paper's pipelines
set it.
"""

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ("conv forward", "conv backward data", "conv backward weights", "bn+relu forward", "bn+relu backward",
         "bn+relu+maxpool forward", "bn+relu+maxpool backward")


def run(bench, flags, arguments):
    command = [bench, "--threads", str(arguments.threads), "--channels", str(arguments.channels), "--repeats",
               str(arguments.repeats), "--skip-first-data-gradient"] + flags
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    times = {"step": float(re.search(r"([0-9.]+) ms per step", result.stdout).group(1))}
    for kind in KINDS:
        match = re.search(re.escape(kind) + r"\s+([0-9.]+) ms", result.stdout)
        if match:
            times[kind] = float(match.group(1))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(os.path.dirname(HERE), "build", "bin",
                                                        "backend_convnet_step_bench"))
    parser.add_argument("--alternations", type=int, default=6)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=30, help="steps per run (the run reports their minimum)")
    parser.add_argument("--a", default="--winograd --no-thin-convolutions", help="flags of setting A")
    parser.add_argument("--b", default="--winograd", help="flags of setting B")
    arguments = parser.parse_args()
    settings = [("A", shlex.split(arguments.a)), ("B", shlex.split(arguments.b))]
    results = {name: [] for name, _ in settings}
    for _ in range(arguments.alternations):
        for name, flags in settings:
            results[name].append(run(arguments.bench, flags, arguments))
    print(f"ConvNet({arguments.channels}), {arguments.threads} threads, {arguments.alternations} alternations; "
          f"A: {arguments.a!r}, B: {arguments.b!r}")
    print("| op | A min ms | A median | B min ms | B median | B − A (medians) |")
    print("|---|---|---|---|---|---|")
    for kind in ("step",) + KINDS:
        if any(kind not in times for runs in results.values() for times in runs):
            continue
        a = [times[kind] for times in results["A"]]
        b = [times[kind] for times in results["B"]]
        print(f"| {kind} | {min(a):.2f} | {statistics.median(a):.2f} | {min(b):.2f} | {statistics.median(b):.2f} "
              f"| {statistics.median(b) - statistics.median(a):+.2f} |")


if __name__ == "__main__":
    main()
