#!/usr/bin/env bash
# tools/device-check.sh — the cuda backend's check on a machine with one GPU, in one call of under
# ten minutes, ending with one table:
#   1. the backend conformance suite on cuda alone (THERMO_CONFORMANCE_BACKENDS=cuda);
#   2. ConvNet c=8 and c=64 trained STEPS steps (default 300) on cuda from the same start, seeds and
#      batches as on cpu (synthetic CIFAR-shaped data, elr 2e-5 as the exactness tests and 1e-2),
#      the train losses compared at every log point (target over steps 0-20: |Δ| ≤ 1e-4, or ≤ 4x
#      the cpu's own spread where that is larger: the same cpu runs on 1 thread against 2 part by
#      summation order alone, and at elr 1e-2 they part fast (ConvNet(16): 2e-4 at step 2, ~1 at
#      step 20): SGD there is chaotic at the level of float32 rounding, as
#      tests/models/support/exactness.hpp says);
#   3. the training step (batch 128) timed against PyTorch eager on the same GPU
#      (bench/reference/run_reference.py --device cuda; targets: c=8 ≥ 1.5x, c=64 ≥ 1x).
#
# What is built where, and what travels. The GPU machine has the CUDA toolkit, cuDNN in its
# Python environment (the nvidia-cudnn wheel), CMake, ninja and PyTorch, but none of Debian's -dev
# packages thermo builds against (yaml-cpp, spdlog, fmt, Boost, CLI11, nlohmann-json, doctest,
# oneDNN, OpenBLAS). So thermo is built HERE, on Debian, and carried as a bundle:
#   tools/device-check.sh pack [--steps N]
#       here: builds build/ (must be configured with CUDA; THERMO_CUDA_ARCHITECTURES holds 90),
#       runs the cpu half of the training comparison, and writes .device-bundle/ (git-ignored,
#       ~25 MB): bin/thermo, lib/ (the SDK and every plugin), tests/ (the conformance and cuda
#       test binaries), libs.tar.xz (the Debian shared libraries these load that a CUDA image
#       lacks: yaml-cpp, spdlog, fmt, oneDNN, OpenCL, OpenBLAS, gfortran, gomp; libstdc++ as a
#       fallback only), cpu/ (the cpu half's metrics) and MANIFEST.
#   device tool: run {command: "tools/device-check.sh run", carry: [".device-bundle"], timeout_s: 600}
#       there: unpacks the libraries, finds the CUDA runtime, cuBLAS and cuDNN (the toolkit, then
#       the Python environment's nvidia-* wheels), and runs 1-3, then the op-by-op step bench;
#       $OUT receives table.txt, environment.txt, conformance.log, ops.txt and results.tar.gz
#       (every run's metrics and logs).
#   tools/device-check.sh table DIR      prints the table of a results folder, anywhere.
#   tools/device-check.sh selftest       here, without a GPU: the argument parsing, the pipelines,
#       a short cpu training run twice compared through the same code, and the table with the
#       GPU rows marked "not run" (what a GPU must still show).
# Options of run and pack: --steps N (default 300), --channels "8 64", --elr "2e-5 1e-2",
# --bench-iters N (default 500), --bundle DIR (default .device-bundle).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bundle="$repo/.device-bundle"
steps=300
channels="8 64"
elrs="2e-5 1e-2"
bench_iters=500
train_size=1024
test_size=256
loss_tolerance=1e-4
compare_steps=20

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

die() {
  echo "device-check: $*" >&2
  exit 2
}

parse_options() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --steps) steps=${2:?--steps needs a number}; shift 2 ;;
      --channels) channels=${2:?--channels needs a list}; shift 2 ;;
      --elr) elrs=${2:?--elr needs a list}; shift 2 ;;
      --bench-iters) bench_iters=${2:?--bench-iters needs a number}; shift 2 ;;
      --bundle) bundle=${2:?--bundle needs a folder}; shift 2 ;;
      -h | --help) usage 0 ;;
      *) die "unknown option '$1' (see --help)" ;;
    esac
  done
  [[ $steps =~ ^[0-9]+$ && $steps -ge $compare_steps ]] || die "--steps must be an integer >= $compare_steps, got '$steps'"
  [[ $bench_iters =~ ^[0-9]+$ && $bench_iters -ge 1 ]] || die "--bench-iters must be a positive integer"
  for c in $channels; do [[ $c =~ ^[0-9]+$ ]] || die "--channels must list integers, got '$c'"; done
  for e in $elrs; do [[ $e =~ ^[0-9.eE+-]+$ ]] || die "--elr must list numbers, got '$e'"; done
}

# The log points: every step up to compare_steps, then every 50, and the last.
log_points() {
  local points="0" i
  for ((i = 1; i <= compare_steps; ++i)); do points+=", $i"; done
  for ((i = 50; i < steps; i += 50)); do points+=", $i"; done
  ((steps > compare_steps)) && points+=", $steps"
  echo "$points"
}

# write_pipeline FILE CHANNELS ELR ITERS
write_pipeline() {
  cat >"$1" <<EOF
# Written by tools/device-check.sh: ConvNet($2) on synthetic data, the same start and batches on
# every backend (all seeds fixed); the backend is chosen with --backend.
thermo: 1
name: device_check_c$2
backend: cpu
seed: 1
dataset: {plugin: synthetic, train_size: $train_size, test_size: $test_size, seed: 1}
model: {plugin: convnet, channels: $2, init_seed: 1, head_seed: 4}
loss: cross_entropy
optimizer: {plugin: sphere_sgd, elr: $3, radius: 1.0}
train: {iters: $4, batch_size: 128, sampler: iid, seed: 1, log: [$(log_points)], checkpoints: none}
estimators: []
EOF
}

run_label() { echo "c$1-elr$2"; }

# train THERMO BACKEND RESULTS [FOLDER [STEPS [ARGUMENTS...]]]: every (channels, elr) run on
# BACKEND for STEPS (default --steps) steps into RESULTS/runs/FOLDER/ (default BACKEND), with
# more `thermo run` ARGUMENTS (--threads 1 for the cpu's spread).
train() {
  local thermo=$1 backend=$2 results=$3 folder=${4:-$2} count=${5:-$steps} c e label
  shift $(($# < 5 ? $# : 5))
  mkdir -p "$results/pipelines" "$results/runs/$folder"
  for c in $channels; do
    for e in $elrs; do
      label=$(run_label "$c" "$e")
      write_pipeline "$results/pipelines/$label-$count.yaml" "$c" "$e" "$count"
      echo "device-check: training $label on $backend ($count steps) into $folder" >&2
      "$thermo" run "$results/pipelines/$label-$count.yaml" --backend "$backend" --out "$results/runs/$folder/$label" \
        --force "$@" >"$results/runs/$folder/$label.log" 2>&1 ||
        echo "device-check: $label on $backend failed" >&2
    done
  done
}

# The table (and its verdicts) from a results folder: python3 of the standard library only.
print_table() {
  python3 - "$1" "$loss_tolerance" "$compare_steps" <<'PYTHON'
import csv, json, os, sys

results, tolerance, compare_steps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rows = []

def add(check, value, target, verdict):
    rows.append((check, value, target, verdict))

def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None

def metrics(path):
    try:
        with open(path) as f:
            return {int(r["iteration"]): r for r in csv.DictReader(f)}
    except OSError:
        return None

env = read_text(os.path.join(results, "environment.txt"))
rc = read_text(os.path.join(results, "conformance.rc"))
log = read_text(os.path.join(results, "conformance.log")) or ""
if rc is None:
    add("conformance suite on cuda", "not run", "all pass", "NOT RUN")
else:
    summary = [line for line in log.splitlines() if line.startswith("[doctest] test cases:")]
    skipped = "backend cuda skipped" in log
    value = summary[0].replace("[doctest] test cases:", "cases").strip() if summary else "no summary"
    verdict = "PASS" if rc.strip() == "0" and not skipped else "FAIL"
    add("conformance suite on cuda", "cuda skipped (no device)" if skipped else value, "all pass", verdict)

plugin_rc = read_text(os.path.join(results, "cuda_plugin.rc"))
if plugin_rc is not None:
    plugin_log = read_text(os.path.join(results, "cuda_plugin.log")) or ""
    available = "cuda unavailable" not in plugin_log
    add("cuda plugin: a device answers; settings, fusions, auto takes cuda",
        "device found" if available else "no device", "device found",
        "PASS" if plugin_rc.strip() == "0" and available else "FAIL")

runs = os.path.join(results, "runs")
labels = sorted(set(os.listdir(os.path.join(runs, "cpu"))) if os.path.isdir(os.path.join(runs, "cpu")) else set())
labels = [l for l in labels if not l.endswith(".log")]
for label in sorted(labels, key=lambda l: (int(l.split("-")[0][1:]), float(l.split("elr")[1]))):
    cpu = metrics(os.path.join(runs, "cpu", label, "metrics.csv"))
    other_backend = "cuda" if os.path.isdir(os.path.join(runs, "cuda", label)) else "cpu-again"
    other = metrics(os.path.join(runs, other_backend, label, "metrics.csv"))
    # The cpu's own spread: the same run on 1 thread (summation order only).
    one_thread = metrics(os.path.join(runs, "cpu-1thread", label, "metrics.csv"))
    name = label.replace("-elr", " elr ").replace("c", "ConvNet c=", 1)
    if cpu is None:
        add(f"{name}: train loss cpu vs {other_backend}", "cpu run missing", f"<= {tolerance:g}", "FAIL")
        continue
    if other is None:
        add(f"{name}: train loss cpu vs cuda", "not run", f"<= {tolerance:g}", "NOT RUN")
        continue
    common = sorted(set(cpu) & set(other))
    def worst(iterations, against=other):
        gaps = [abs(float(cpu[i]["train_loss"]) - float(against[i]["train_loss"])) for i in iterations]
        return max(gaps) if gaps else float("nan")
    early = [i for i in common if i <= compare_steps]
    first = worst(early)
    complete = len(early) == compare_steps + 1
    bound, bound_text = tolerance, f"<= {tolerance:g}"
    if one_thread is not None:
        spread = worst([i for i in early if i in one_thread], against=one_thread)
        if spread == spread and 4 * spread > tolerance:
            bound, bound_text = 4 * spread, f"<= 4 x cpu spread {spread:.1e}"
        else:
            bound_text += f" (cpu spread {spread:.1e})"
    add(f"{name}: max |Δ train loss| {other_backend} vs cpu, steps 0-{compare_steps}", f"{first:.2e}",
        bound_text, "PASS" if complete and first <= bound else "FAIL")
    last = common[-1] if common else 0
    add(f"{name}: max |Δ train loss|, steps 0-{last} ({len(common)} log points)", f"{worst(common):.2e}",
        "(reported)", "-")

bench = os.path.join(results, "bench")
targets = {"8": 1.5, "64": 1.0}
for channels in sorted({l.split("-")[0][1:] for l in labels} or targets, key=int):
    def speed(kind):
        try:
            with open(os.path.join(bench, f"{kind}-c{channels}.json")) as f:
                return json.loads(f.read().strip().splitlines()[-1])["iterations_per_second"]
        except (OSError, ValueError, KeyError, IndexError):
            return None
    thermo, torch = speed("thermo"), speed("torch")
    target = targets.get(channels, 1.0)
    if thermo is None or torch is None:
        add(f"step time ConvNet c={channels}, batch 128: thermo cuda / PyTorch cuda", "not run", f">= {target:g}x",
            "NOT RUN")
        continue
    ratio = thermo / torch
    add(f"step time ConvNet c={channels}, batch 128: thermo cuda {1000 / thermo:.3f} ms, PyTorch {1000 / torch:.3f} ms",
        f"{ratio:.2f}x", f">= {target:g}x", "PASS" if ratio >= target else "FAIL")

width = [max(len(r[i]) for r in rows + [("check", "value", "target", "verdict")]) for i in range(4)]
lines = []
if env:
    lines += ["# " + line for line in env.strip().splitlines()]
header = ("check", "value", "target", "verdict")
for row in [header] + rows:
    lines.append("  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)).rstrip())
text = "\n".join(lines)
print(text)
with open(os.path.join(results, "table.txt"), "w") as f:
    f.write(text + "\n")
PYTHON
}

# The Debian libraries the bundle's ELF files load, less those any Linux or CUDA image has.
bundle_libraries() {
  local file
  for file in "$@"; do ldd "$file" 2>/dev/null | awk '/=> \//{print $3}'; done | sort -u |
    grep -Ev '/(ld-linux|libc|libm|libdl|libpthread|librt|libz|libgcc_s|libstdc\+\+)\.so|/lib(cuda|cudart|cublas|cublasLt|cudnn[a-z_]*|nvrtc|nvJitLink)\.so|libthermo_sdk'
}

pack() {
  local build=${THERMO_BUILD_DIR:-$repo/build}
  [[ -f $build/CMakeCache.txt ]] || die "no build in $build: configure it first (cmake -S . -B build -G Ninja ...)"
  grep -q '^THERMO_CUDA_ARCHITECTURES:STRING=.*90' "$build/CMakeCache.txt" ||
    die "$build is not configured for the cuda backend on sm_90 (THERMO_CUDA_ARCHITECTURES)"
  ninja -C "$build" thermo thermo-backend-cuda thermo-backend-cpu test_backend_conformance test_cuda_plugin \
    test_cuda_arithmetic thermo-model-convnet thermo-dataset-synthetic thermo-optimizer-sphere_sgd \
    backend_convnet_step_bench >&2
  [[ -f $build/lib/thermo/plugins/libthermo-backend-cuda.so ]] || die "the cuda plugin was not built in $build"
  rm -rf "$bundle"
  mkdir -p "$bundle/bin" "$bundle/lib/thermo/plugins" "$bundle/tests" "$bundle/cpu"
  cp "$build/bin/thermo" "$build/bin/backend_convnet_step_bench" "$bundle/bin/"
  cp -P "$build"/lib/libthermo_sdk.so* "$bundle/lib/"
  cp "$build"/lib/thermo/plugins/*.so "$bundle/lib/thermo/plugins/"
  cp "$build"/tests/test_backend_conformance "$build"/tests/test_cuda_plugin "$build"/tests/test_cuda_arithmetic \
    "$bundle/tests/"
  strip --strip-unneeded "$bundle"/bin/* "$bundle"/tests/* "$bundle"/lib/thermo/plugins/*.so 2>/dev/null || true
  local staging
  staging=$(mktemp -d)
  mkdir -p "$staging/libs/fallback"
  # shellcheck disable=SC2046
  cp -L $(bundle_libraries "$bundle"/bin/* "$bundle"/tests/* "$bundle"/lib/thermo/plugins/*.so) "$staging/libs/"
  cp -L "$(ldd "$bundle/bin/thermo" | awk '/libstdc\+\+/{print $3}')" "$staging/libs/fallback/"
  echo "device-check: compressing $(du -sh "$staging/libs" | cut -f1) of libraries" >&2
  XZ_OPT=-6 tar -cJf "$bundle/libs.tar.xz" -C "$staging" libs
  rm -rf "$staging"
  echo "device-check: the cpu half of the training comparison" >&2
  train "$build/bin/thermo" cpu "$bundle/cpu"
  train "$build/bin/thermo" cpu "$bundle/cpu" cpu-1thread "$compare_steps" --threads 1
  {
    echo "commit $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    echo "steps $steps; channels $channels; elr $elrs; train_size $train_size; test_size $test_size"
  } >"$bundle/MANIFEST"
  echo "device-check: $bundle ($(du -sh "$bundle" | cut -f1)); carry it: run {command: \"tools/device-check.sh run\", carry: [\".device-bundle\"]}" >&2
}

# LD_LIBRARY_PATH on the GPU machine: the bundle's libraries, then CUDA's where the machine has them.
cuda_library_path() {
  local dirs="$1/libs" candidate
  for candidate in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [[ -d $candidate ]] && dirs+=":$candidate"
  done
  local wheels
  wheels=$(python3 - 2>/dev/null <<'PYTHON' || true
import glob, os
try:
    import nvidia
    for root in nvidia.__path__:
        for lib in sorted(glob.glob(os.path.join(root, "*", "lib"))):
            print(lib)
except ImportError:
    pass
PYTHON
)
  for candidate in $wheels; do dirs+=":$candidate"; done
  echo "$dirs"
}

run_on_device() {
  [[ -f $bundle/MANIFEST ]] || die "no bundle in $bundle: run 'tools/device-check.sh pack' here first and carry .device-bundle"
  # Everything goes to a scratch folder; $OUT (the device tool's, which returns at most 8 files
  # two folders down) gets the table, the environment, the conformance log and one tarball.
  local out=${OUT:-$repo/device-check-results} scratch
  scratch=$(mktemp -d)
  local results="$scratch/results"
  mkdir -p "$results" "$out"
  tar -xJf "$bundle/libs.tar.xz" -C "$scratch"
  export LD_LIBRARY_PATH
  LD_LIBRARY_PATH="$bundle/lib:$(cuda_library_path "$scratch")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if ! "$bundle/bin/thermo" --version >/dev/null 2>&1; then
    LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$scratch/libs/fallback"  # an image older than Debian 12's libstdc++
  fi
  export THERMO_PLUGIN_PATH="$bundle/lib/thermo/plugins" THERMO_SOURCE_DIR="$repo" THERMO_TEST_TMP="$scratch/tmp"
  mkdir -p "$THERMO_TEST_TMP"
  {
    echo "bundle: $(head -1 "$bundle/MANIFEST")"
    echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true)"
    "$bundle/bin/thermo" plugins 2>&1 | grep -A1 ' cuda ' | sed 's/^ */cuda plugin: /' || true
    python3 -c 'import torch; print("torch:", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())' 2>&1 || true
  } >"$results/environment.txt"
  cat "$results/environment.txt" >&2

  echo "device-check: conformance suite on cuda" >&2
  set +e
  THERMO_CONFORMANCE_BACKENDS=cuda "$bundle/tests/test_backend_conformance" >"$results/conformance.log" 2>&1
  echo $? >"$results/conformance.rc"
  "$bundle/tests/test_cuda_plugin" >"$results/cuda_plugin.log" 2>&1
  echo $? >"$results/cuda_plugin.rc"
  set -e
  tail -3 "$results/conformance.log" >&2

  mkdir -p "$results/runs"
  rm -rf "$results/runs/cpu"
  cp -r "$bundle/cpu/runs/cpu" "$results/runs/cpu"
  rm -rf "$results/runs/cpu-1thread"
  [[ -d "$bundle/cpu/runs/cpu-1thread" ]] && cp -r "$bundle/cpu/runs/cpu-1thread" "$results/runs/cpu-1thread"
  train "$bundle/bin/thermo" cuda "$results"

  echo "device-check: timing the training step" >&2
  mkdir -p "$results/bench"
  local c
  for c in $channels; do
    write_pipeline "$results/pipelines/bench-c$c.yaml" "$c" 1e-2 1000
    "$bundle/bin/thermo" bench "$results/pipelines/bench-c$c.yaml" --backend cuda --iters "$bench_iters" --warmup 20 \
      --log-steps 0 --json >"$results/bench/thermo-c$c.json" 2>"$results/bench/thermo-c$c.log" || true
    python3 "$repo/bench/reference/run_reference.py" --bench --model convnet --channels "$c" --device cuda \
      --iterations "$bench_iters" --warmup 20 >"$results/bench/torch-c$c.json" 2>"$results/bench/torch-c$c.log" || true
  done
  # Where the step's time goes, op by op (not part of the table).
  "$bundle/bin/backend_convnet_step_bench" --backend cuda --plugin-dir "$THERMO_PLUGIN_PATH" \
    --channels "$(echo $channels | tr ' ' ',')" --repeats 20 >"$results/bench/ops.txt" 2>&1 || true
  print_table "$results"
  cp "$results/bench/ops.txt" "$out/"
  cp "$results/table.txt" "$results/environment.txt" "$results/conformance.log" "$out/"
  tar -czf "$out/results.tar.gz" -C "$results" .
  rm -rf "$scratch"
}

selftest() {
  local build=${THERMO_BUILD_DIR:-$repo/build} results
  results=$(mktemp -d)
  steps=$compare_steps
  channels=8
  elrs=1e-2
  train "$build/bin/thermo" cpu "$results"
  # The same runs again stand in for the GPU's: their losses must agree exactly.
  mv "$results/runs/cpu" "$results/runs/cpu-again"
  train "$build/bin/thermo" cpu "$results"
  train "$build/bin/thermo" cpu "$results" cpu-1thread "$compare_steps" --threads 1
  print_table "$results"
  grep -q "NOT RUN" "$results/table.txt" || die "selftest: the GPU rows should read NOT RUN"
  grep -q "cpu-again vs cpu, steps 0-$compare_steps *0.00e+00 .*PASS" "$results/table.txt" ||
    die "selftest: two cpu runs from the same start should agree exactly"
  grep -q "cpu spread" "$results/table.txt" || die "selftest: the table should state the cpu's spread"
  echo "device-check selftest: passed ($results)" >&2
}

command=${1:-}
[[ -n $command ]] || usage 2
shift
case "$command" in
  pack) parse_options "$@"; pack ;;
  run) parse_options "$@"; run_on_device ;;
  table) [[ $# -eq 1 && -d $1 ]] || die "table needs a results folder"; print_table "$1" ;;
  selftest) parse_options "$@"; selftest ;;
  -h | --help) usage 0 ;;
  *) die "unknown command '$command' (pack, run, table, selftest; see --help)" ;;
esac
