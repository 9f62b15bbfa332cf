#!/usr/bin/env bash
# The whole test suite from a clean clone: set-up without installing, build, then CTest.
# Prints CTest's summary; exits non-zero when a test fails. CI runs exactly this (.ci/run).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${THERMO_BUILD_DIR:-$here/build}
"$here/tools/setup.sh" --no-install --build-dir "$build_dir"
cd "$build_dir"
ctest --output-on-failure --timeout 1500 -j "$(nproc)" "$@"
