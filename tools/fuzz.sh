#!/usr/bin/env bash
# Runs every libFuzzer target of a THERMO_FUZZ build for a fixed number of executions, starting
# from the committed seed corpus (tests/fuzz/corpus/<target>) and the inputs of crashes fixed
# (tests/fuzz/regressions/<target>), two targets at a time. New inputs go to the build folder,
# never into the source tree. Prints one line per target and a summary; exits 1 on any crash,
# hang (an input over 10 s), leak or sanitizer report, naming the input that caused it.
#   tools/fuzz.sh [--build-dir DIR] [--scale X] [TARGET...]
# --scale multiplies every target's execution count (0.1 for a quick look, 10 for a long hunt).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${THERMO_SANITIZE_BUILD_DIR:-$here/build-sanitize}
scale=1
selected=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) selected+=("$1"); shift ;;
  esac
done

# target, executions, largest input in bytes. The counts are chosen so that the whole run takes
# about five minutes on two cores (docs/reliability.md has the measured rates); the slowest
# target comes first, so that the others share the second core with it.
targets=(
  "pipeline 20000 16384"
  "cifar 150000 32768"
  "idx 250000 16384"
  "npy 400000 4096"
  "state 400000 4096"
)

# As the tests run (cmake/ThermoSanitizers.cmake says why intercept_tls_get_addr=0).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:intercept_tls_get_addr=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fuzz_dir=$build_dir/fuzz
if [ ! -x "$fuzz_dir/fuzz_npy" ]; then
  echo "fuzz.sh: no fuzz targets in $fuzz_dir; configure with -DTHERMO_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 and build" >&2
  exit 2
fi

# run_target NAME RUNS MAX_LEN: one target; writes its exit status to work/status and what to
# print to work/summary.
run_target() {
  local name=$1 runs=$2 max_len=$3
  local work=$fuzz_dir/work/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  local inputs=("$work/corpus" "$here/tests/fuzz/corpus/$name")
  [ -d "$here/tests/fuzz/regressions/$name" ] && inputs+=("$here/tests/fuzz/regressions/$name")
  local options=(-runs="$runs" -seed=1 -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$work/artifacts/")
  [ -f "$here/tests/fuzz/$name.dict" ] && options+=(-dict="$here/tests/fuzz/$name.dict")
  # The run state's seed in the format StateArchive::save writes today.
  if [ "$name" = state ]; then "$fuzz_dir/state_seed_writer" "$work/corpus/trainer-state-now.bin"; fi
  local start=$SECONDS status=0
  "$fuzz_dir/fuzz_$name" "${options[@]}" "${inputs[@]}" >"$work/log" 2>&1 || status=$?
  local seconds=$((SECONDS - start))
  local executions corpus
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  corpus=$(find "${inputs[@]}" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    printf 'fuzz %-8s %9s executions in %4d s, %4d inputs in the corpus afterwards: ok\n' \
      "$name" "${executions:-?}" "$seconds" "$corpus" >"$work/summary"
  else
    local artifact
    artifact=$(find "$work/artifacts" -type f | head -n 1)
    {
      printf 'fuzz %-8s FAILED (exit %d) after %d s; input: %s\n' "$name" "$status" "$seconds" "${artifact:-(none)}"
      grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==|terminate|Exception|deadly signal' "$work/log" | head -n 20 || true
      echo "  full log: $work/log"
      echo "  reproduce: $fuzz_dir/fuzz_$name ${artifact:-INPUT}; once fixed, keep the input:" \
        "cp ${artifact:-INPUT} $here/tests/fuzz/regressions/$name/"
    } >"$work/summary"
  fi
  echo "$status" >"$work/status"
}

start=$SECONDS
failed=0
total=0
names=()
jobs_at_once=$(nproc)
[ "$jobs_at_once" -gt 2 ] || jobs_at_once=2
for entry in "${targets[@]}"; do
  read -r name runs max_len <<<"$entry"
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then continue; fi
  runs=$(awk -v runs="$runs" -v scale="$scale" 'BEGIN { printf "%d", runs * scale }')
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_at_once" ]; do wait -n || true; done
  run_target "$name" "$runs" "$max_len" &
  names+=("$name")
done
wait
for name in "${names[@]}"; do
  cat "$fuzz_dir/work/$name/summary"
  [ "$(cat "$fuzz_dir/work/$name/status")" -eq 0 ] || failed=$((failed + 1))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz_dir/work/$name/log" | tail -n 1)
  total=$((total + ${executions:-0}))
done
if [ "$failed" -eq 0 ]; then
  echo "fuzz: $total executions over ${#names[@]} targets in $((SECONDS - start)) s: no crash, hang, leak or sanitizer report"
else
  echo "fuzz: $failed of ${#names[@]} targets FAILED ($total executions in $((SECONDS - start)) s)"
  exit 1
fi
