#!/usr/bin/env bash
# The quickstart after tools/setup.sh: the toy problem on the sphere (both data sets, 80 LRs
# each, seconds) and the paper's UP experiment shrunk to run on a laptop: the ConvNet on
# Fashion-MNIST over a short LR grid, then the temperature analysis and the report (~10 min on
# 2 cores). Prints where the reports are.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
thermo=${THERMO:-thermo}
out=${THERMO_QUICKSTART_OUT:-runs/quickstart}
mkdir -p "$out"
for pipeline in toy_sphere_op toy_sphere_up quickstart; do
  "$thermo" run "$here/pipelines/$pipeline.yaml" --out "$out/$pipeline" --force
done
echo
echo "quickstart reports:"
for pipeline in toy_sphere_op toy_sphere_up quickstart; do
  echo "  $out/$pipeline/report/index.html"
done
