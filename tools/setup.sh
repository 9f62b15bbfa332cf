#!/usr/bin/env bash
# Sets thermo up on a fresh Debian 12 machine: installs every Debian package it needs,
# configures and builds it (build/), and installs `thermo` with its plugins (default prefix
# /usr/local, so `thermo` is on PATH). Re-running it is cheap: it skips what is done.
#   tools/setup.sh [--prefix DIR] [--build-dir DIR] [--no-install] [--no-packages] [-- CMAKE_ARGS...]
# CMAKE_ARGS are added to the configure command (tools/test.sh's sanitizer build uses them).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=${THERMO_PREFIX:-/usr/local}
build_dir=${THERMO_BUILD_DIR:-$here/build}
install=1
packages=1
cmake_arguments=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --no-packages) packages=0; shift ;;
    --) shift; cmake_arguments=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# Everything thermo builds with, tests with and draws with, from Debian 12's archive.
debian_packages=(
  build-essential cmake ninja-build pkg-config git
  libdnnl-dev ocl-icd-opencl-dev opencl-c-headers libopenblas-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libboost-dev doctest-dev libcli11-dev nlohmann-json3-dev zlib1g-dev
  gnuplot-nox fonts-dejavu-core
  dataset-fashion-mnist
  python3 python3-numpy python3-torch
  clang-14 libclang-rt-14-dev libomp-14-dev  # the sanitizer and fuzz build (tools/test.sh)
  chromium
)

if [ "$packages" -eq 1 ]; then
  missing=()
  for package in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq || echo "setup.sh: apt-get update failed; trying the cached package lists" >&2
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  ${cmake_arguments[@]+"${cmake_arguments[@]}"}
cmake --build "$build_dir" -j "$(nproc)"

if [ "$install" -eq 1 ]; then
  if [ -w "$prefix" ] || [ "$(id -u)" -eq 0 ]; then
    cmake --install "$build_dir" >/dev/null
  else
    "${sudo_cmd[@]}" cmake --install "$build_dir" >/dev/null
  fi
  "${sudo_cmd[@]}" ldconfig 2>/dev/null || true
  echo "setup.sh: installed $(command -v thermo || echo "$prefix/bin/thermo") ($("$prefix/bin/thermo" --version))"
fi
