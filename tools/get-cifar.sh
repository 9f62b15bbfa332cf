#!/usr/bin/env bash
# Downloads the binary versions of CIFAR-10 and CIFAR-100, checks their md5 sums and unpacks them
# where thermo's cifar10 / cifar100 data sets look by default (data/cifar-10-batches-bin,
# data/cifar-100-binary). Run with --help for the options.
set -euo pipefail

readonly program="get-cifar.sh"
readonly cifar10_url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
readonly cifar10_md5="c32a1d4ab5d03f1284b67883e8d87530"
readonly cifar100_url="https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
readonly cifar100_md5="03b5dce01913d631647c71ecec9e9cb8"

usage() {
  cat <<USAGE
Usage: tools/get-cifar.sh [options] [cifar10] [cifar100]

Downloads the binary versions of CIFAR-10 and/or CIFAR-100 (default: both) from
https://www.cs.toronto.edu/~kriz/, checks their md5 sums and unpacks them into the data folder:
  DIR/cifar-10-batches-bin   data_batch_1.bin ... data_batch_5.bin, test_batch.bin
  DIR/cifar-100-binary       train.bin, test.bin
These are the default paths of thermo's cifar10 and cifar100 data sets (data/...); elsewhere, set
the data set's \`path\` parameter in the pipeline.

Options:
  -d, --dir DIR    the data folder (default: \$THERMO_DATA when set, else ./data)
  --from DIR       use the tarballs cifar-10-binary.tar.gz / cifar-100-binary.tar.gz already in
                   DIR (downloaded on another machine) instead of downloading
  -f, --force      fetch and unpack again even when the data are already there
  -h, --help       show this help

Exit status: 0 done, 1 a download, md5 check or unpack failed, 2 bad arguments.
USAGE
}

fail() {
  echo "$program: error: $*" >&2
  exit 1
}

usage_error() {
  echo "$program: error: $*" >&2
  echo "Run 'tools/get-cifar.sh --help' for the options." >&2
  exit 2
}

md5_of() {
  if command -v md5sum >/dev/null 2>&1; then
    md5sum "$1" | cut -d' ' -f1
  elif command -v md5 >/dev/null 2>&1; then
    md5 -q "$1"
  else
    fail "neither md5sum nor md5 is installed; cannot check $1"
  fi
}

download() {  # url destination
  if command -v curl >/dev/null 2>&1; then
    curl --fail --location --retry 3 --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget --tries=3 --output-document="$2" "$1"
  else
    fail "neither curl nor wget is installed; download $1 by hand and run again with --from FOLDER"
  fi
}

data_dir="${THERMO_DATA:-./data}"
from_dir=""
force=0
sets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -d | --dir)
      [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a folder"
      data_dir="$2"; shift 2 ;;
    --from)
      [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a folder"
      from_dir="$2"; shift 2 ;;
    -f | --force) force=1; shift ;;
    cifar10 | cifar100) sets+=("$1"); shift ;;
    -*) usage_error "unknown option '$1'" ;;
    *) usage_error "unknown data set '$1' (expected cifar10 or cifar100)" ;;
  esac
done
[[ ${#sets[@]} -gt 0 ]] || sets=(cifar10 cifar100)
if [[ -n "$from_dir" && ! -d "$from_dir" ]]; then usage_error "--from: no such folder: $from_dir"; fi

# fetch NAME URL MD5 FOLDER FILE...: one data set, skipped when every FILE is already in FOLDER.
fetch() {
  local name="$1" url="$2" md5="$3" folder="$4"
  shift 4
  local target="$data_dir/$folder" file missing=0
  for file in "$@"; do [[ -f "$target/$file" ]] || missing=1; done
  if [[ $missing -eq 0 && $force -eq 0 ]]; then
    echo "$name is already in $target (use --force to fetch it again)."
    return
  fi
  mkdir -p "$data_dir" || fail "cannot create the data folder $data_dir"

  local tarball downloaded=0
  if [[ -n "$from_dir" ]]; then
    tarball="$from_dir/$(basename "$url")"
    [[ -f "$tarball" ]] || fail "$tarball not found (--from expects $(basename "$url") there; it comes from $url)"
  else
    tarball="$data_dir/$(basename "$url")"
    echo "Downloading $name from $url ..."
    download "$url" "$tarball.part" || { rm -f "$tarball.part"; fail "downloading $url failed (no internet? then download it elsewhere and use --from FOLDER)"; }
    mv "$tarball.part" "$tarball"
    downloaded=1
  fi

  local actual
  actual="$(md5_of "$tarball")"
  if [[ "$actual" != "$md5" ]]; then
    if [[ $downloaded -eq 1 ]]; then
      rm -f "$tarball"
      fail "$tarball has md5 $actual, expected $md5: the download is corrupt or incomplete (deleted it); run again"
    fi
    fail "$tarball has md5 $actual, expected $md5: it is not the official $name archive or it is damaged"
  fi
  echo "md5 of $tarball is correct ($md5)."

  [[ $force -eq 0 ]] || rm -rf "$target"
  tar -xzf "$tarball" -C "$data_dir" || fail "unpacking $tarball into $data_dir failed"
  for file in "$@"; do
    [[ -f "$target/$file" ]] || fail "$tarball unpacked, but $target/$file is missing"
  done
  [[ $downloaded -eq 0 ]] || rm -f "$tarball"
  echo "$name is ready in $target."
}

for set in "${sets[@]}"; do
  case "$set" in
    cifar10)
      fetch CIFAR-10 "$cifar10_url" "$cifar10_md5" cifar-10-batches-bin \
        data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin ;;
    cifar100)
      fetch CIFAR-100 "$cifar100_url" "$cifar100_md5" cifar-100-binary train.bin test.bin ;;
  esac
done
