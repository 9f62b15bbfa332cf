#!/usr/bin/python3
"""Side-by-side speed of thermo, the PyTorch reference and the convolutions' roof, in one run.

For ConvNet c=8 (UP) and c=64 (OP) at batch 128 with iid batches, cross-entropy and projected
SGD, it times
  - the reference's training step (bench/reference/run_reference.py --bench, Debian's
    python3-torch),
  - `thermo bench` on the pipeline's real set-up with CIFAR-shaped synthetic data (the paper's
    data is not needed for speed),
  - the roof: every convolution of that step alone on oneDNN at the layouts it prefers, no
    reorders (bench/backend/convnet_conv_roof_bench.cpp, the same thread count, and Winograd
    where the pipeline's backend runs it: the paper's pipelines set the cpu's `winograd`),
alternating the three `--repeats` times and keeping each one's best (the mean of one run, best
over runs), then prints a Markdown table with the three and the ratios thermo/reference (speed)
and thermo's step/roof (time), beside the targets of issue 11. Under the table, per model, the
bound this machine sets: the step's direct-convolution FLOPs at its multiply-add peak (measured
by the roof bench), and the ratio against the reference that a step of direct convolutions
cannot pass here (Winograd, where oneDNN has it for the machine, needs fewer FLOPs).

  /usr/bin/python3 bench/compare_with_reference.py [--threads 2] [--thermo thermo] [--roof BIN]
                                                   [--repeats 2] [--only up|op]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ROOF_NAME = "backend_convnet_conv_roof_bench"

CASES = [
    # name, pipeline, channels, timed iterations (thermo, reference, roof), targets (speed-up, step/roof)
    ("UP ConvNet c=8", "convnet_up_cifar10.yaml", 8, (300, 100, 100), (4.0, 1.4)),
    ("OP ConvNet c=64", "convnet_op_cifar10.yaml", 64, (12, 6, 6), (2.0, None)),
]


def run_json(command, env):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def default_roof(thermo):
    """The roof bench of the build the thermo binary comes from, else the worktree's build."""
    beside = os.path.join(os.path.dirname(os.path.abspath(thermo)), ROOF_NAME)
    return beside if os.path.exists(beside) else os.path.join(ROOT, "build", "bin", ROOF_NAME)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--thermo", default=shutil.which("thermo") or os.path.join(ROOT, "build", "bin", "thermo"))
    parser.add_argument("--roof", help=f"the {ROOF_NAME} binary (default: beside --thermo)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", choices=["up", "op"], help="run one case only")
    arguments = parser.parse_args()
    roof = arguments.roof or default_roof(arguments.thermo)
    if not os.path.exists(roof):
        sys.exit(f"no roof bench at {roof}: build {ROOF_NAME} (ninja -C build {ROOF_NAME}) or pass --roof")

    env = dict(os.environ, OMP_NUM_THREADS=str(arguments.threads))
    rows = []
    for name, pipeline, channels, (thermo_iterations, reference_iterations, roof_repeats), targets in CASES:
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
        roof_command = [
            roof, "--threads", str(arguments.threads), "--channels", str(channels), "--repeats", str(roof_repeats),
            "--json",
        ]
        best_thermo, best_reference, best_roof_ms, peak = 0.0, 0.0, float("inf"), None
        for _ in range(arguments.repeats):
            best_reference = max(best_reference, run_json(reference_command, env)["iterations_per_second"])
            thermo_result = run_json(thermo_command, env)
            best_thermo = max(best_thermo, thermo_result["iterations_per_second"])
            # The roof runs the convolutions' algorithm the pipeline's backend ran (its description
            # names Winograd when the pipeline's cpu settings ask for it).
            winograd = "winograd convolutions" in thermo_result["backend"]
            roof_result = run_json(roof_command + (["--winograd"] if winograd else []), env)
            best_roof_ms = min(best_roof_ms, roof_result["conv_ms_mean"])
            if peak is None or roof_result["fma_peak_gflops"] > peak["fma_peak_gflops"]:
                peak = roof_result
        name = f"{name} (Winograd)" if winograd else name
        rows.append((name, best_reference, best_thermo, best_roof_ms, targets, peak))
        print(f"{name}: reference {best_reference:.2f} it/s, thermo {best_thermo:.2f} it/s "
              f"({1e3 / best_thermo:.2f} ms), convolutions' roof {best_roof_ms:.2f} ms", file=sys.stderr)

    print(f"| model (batch 128, {arguments.threads} threads) | PyTorch reference it/s | thermo it/s | thermo step ms "
          "| conv roof ms | thermo/reference | thermo step/roof | targets |")
    print("|---|---|---|---|---|---|---|---|")
    for name, reference, thermo, roof_ms, (speed_target, roof_target), _ in rows:
        step_ms = 1e3 / thermo
        speed, over_roof = thermo / reference, step_ms / roof_ms
        verdicts = [f"≥ {speed_target:g}× reference: {'met' if speed >= speed_target else 'not met'}"]
        if roof_target is not None:
            verdicts.append(f"≤ {roof_target:g}× roof: {'met' if over_roof <= roof_target else 'not met'}")
        print(f"| {name} | {reference:.2f} | {thermo:.2f} | {step_ms:.2f} | {roof_ms:.2f} | {speed:.2f}x "
              f"| {over_roof:.2f}x | {'; '.join(verdicts)} |")
    # The bound no implementation of direct convolution passes on this machine: the step's direct
    # FLOPs at the multiply-add peak, against the reference's step (Winograd needs fewer FLOPs).
    print()
    for name, reference, _, _, _, peak in rows:
        bound_ms = peak["gflop"] / peak["fma_peak_gflops"] * 1e3
        print(f"{name}: this machine's multiply-add peak is {peak['fma_peak_gflops']:.1f} GFLOP/s "
              f"({peak['fma_vectors']}, {arguments.threads} threads); the step's {peak['gflop']:.3f} GFLOP of direct "
              f"convolution take at least {bound_ms:.2f} ms there, so a step of direct convolutions is at most "
              f"{1e3 / reference / bound_ms:.2f}x the reference on this machine")
    print(f"\ncommand: /usr/bin/python3 bench/compare_with_reference.py --threads {arguments.threads} "
          f"--repeats {arguments.repeats}" + (f" --only {arguments.only}" if arguments.only else ""))


if __name__ == "__main__":
    main()
