#!/usr/bin/env bash
# The whole test suite from a clean clone: set-up without installing, build, then CTest.
# Prints CTest's summary; exits non-zero when a test fails. CI runs exactly this (.ci/run).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${THERMO_BUILD_DIR:-$here/build}
"$here/tools/setup.sh" --no-install --build-dir "$build_dir"

# A real one-node Slurm for the slurm executor's tests (tools/slurm-local.sh; needs root). Without
# it those tests say why they skip.
if [ "$(id -u)" -eq 0 ]; then
  slurm_dir=$(mktemp -d /tmp/thermo-slurm-XXXXXX)
  if "$here/tools/slurm-local.sh" start --dir "$slurm_dir"; then
    export SLURM_CONF=$slurm_dir/slurm.conf
    trap '"$here/tools/slurm-local.sh" stop --dir "$slurm_dir"' EXIT
  else
    echo "test.sh: Slurm did not start (see $slurm_dir/*.log); the slurm tests will skip" >&2
  fi
else
  echo "test.sh: not root: no Slurm is started and the slurm tests will skip" >&2
fi

cd "$build_dir"
ctest --output-on-failure --timeout 1500 -j "$(nproc)" "$@"
