#!/usr/bin/env bash
# The whole test suite from a clean clone. CI runs exactly this (.ci/run). Blocks, in order:
#   suite     set-up without installing, the Release build, CTest (arguments go to this ctest)
#   sanitize  a second build (clang, AddressSanitizer + UBSan, the fuzz targets) and CTest on it
#   fuzz      every fuzz target for a fixed number of executions (tools/fuzz.sh)
# Each block prints its own summary line; the script ends with all of them and exits non-zero
# when any block failed. THERMO_TEST_BLOCKS="suite fuzz" runs only the blocks named.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${THERMO_BUILD_DIR:-$here/build}
sanitize_build_dir=${THERMO_SANITIZE_BUILD_DIR:-$here/build-sanitize}
blocks=${THERMO_TEST_BLOCKS:-suite sanitize fuzz}
ctest_arguments=("$@")

# CTest on a build directory; its summary line ("100% tests passed, 0 tests failed out of N") is
# kept for the summary at the end.
ctest_summaries=$(mktemp -d /tmp/thermo-test-summaries-XXXXXX)
slurm_started=""
cleanup() {
  rm -rf "$ctest_summaries"
  if [ -n "$slurm_started" ]; then "$here/tools/slurm-local.sh" stop --dir "$slurm_started"; fi
}
trap cleanup EXIT
run_ctest() {
  local name=$1
  shift
  local status=0
  ctest --output-on-failure --timeout 1500 -j "$(nproc)" "$@" 2>&1 | tee "$ctest_summaries/$name.log" || status=$?
  grep -E "tests passed|No tests were found" "$ctest_summaries/$name.log" | tail -1 > "$ctest_summaries/$name" || true
  return "$status"
}

# ---- suite: the Release build and its tests ------------------------------------------------------
block_suite() {
  "$here/tools/setup.sh" --no-install --build-dir "$build_dir"
  run_ctest suite --test-dir "$build_dir" "${ctest_arguments[@]}"
}

# ---- sanitize: the unit and end-to-end tests under AddressSanitizer and UBSan ---------------------
# One clang build directory serves this block and the fuzz block. Built: the tests and what they
# need (no benchmarks; no cuda backend, CI has no GPU). Tests labelled sanitize_skip are neither
# built nor run there (CTest lists them as disabled; they run in the suite block):
# cmake/ThermoSanitizers.cmake names them, docs/reliability.md says why.
sanitize_build() {
  "$here/tools/setup.sh" --no-install --build-dir "$sanitize_build_dir" -- \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DTHERMO_FUZZ=ON -DTHERMO_WARNINGS_AS_ERRORS=OFF -DTHERMO_WITH_CUDA=OFF -DTHERMO_BUILD_BENCH=OFF
}
block_sanitize() {
  sanitize_build
  # The sanitizer options are in each test's environment (cmake/ThermoSanitizers.cmake).
  run_ctest sanitize --test-dir "$sanitize_build_dir"
}

# ---- fuzz: each fuzz target for a fixed number of executions from the committed corpus -----------
block_fuzz() {
  [ -x "$sanitize_build_dir/fuzz/fuzz_npy" ] || sanitize_build
  "$here/tools/fuzz.sh" --build-dir "$sanitize_build_dir"
}

# A real one-node Slurm for the slurm executor's tests (tools/slurm-local.sh; needs root). Without
# it those tests say why they skip. Started once for every block (the sanitizer build runs the
# slurm tests too).
if [ "$(id -u)" -eq 0 ]; then
  slurm_dir=$(mktemp -d /tmp/thermo-slurm-XXXXXX)
  if "$here/tools/slurm-local.sh" start --dir "$slurm_dir"; then
    export SLURM_CONF=$slurm_dir/slurm.conf
    slurm_started=$slurm_dir
  else
    echo "test.sh: Slurm did not start (see $slurm_dir/*.log); the slurm tests will skip" >&2
  fi
else
  echo "test.sh: not root: no Slurm is started and the slurm tests will skip" >&2
fi

summaries=()
failed=0
for block in $blocks; do
  if ! declare -F "block_$block" >/dev/null; then
    echo "test.sh: unknown block '$block' in THERMO_TEST_BLOCKS" >&2
    exit 2
  fi
  echo "==== test.sh: $block ===="
  start=$SECONDS
  if ("block_$block"); then
    summary="test.sh: $block passed in $((SECONDS - start)) s"
  else
    summary="test.sh: $block FAILED in $((SECONDS - start)) s"
    failed=1
  fi
  if [ -s "$ctest_summaries/$block" ]; then summary+=" (ctest: $(cat "$ctest_summaries/$block"))"; fi
  summaries+=("$summary")
  echo "${summaries[-1]}"
done
echo "==== test.sh: summary ===="
printf '%s\n' "${summaries[@]}"
exit "$failed"

