#!/usr/bin/env bash
# Records kPluginAbiVersion and the SHA-256 of every public SDK header in framework/abi-digest.txt
# (what the test sdk_abi_digest checks). Run it after bumping kPluginAbiVersion in
# framework/include/thermo/plugin.hpp for an incompatible header change, or alone for a compatible
# one (comments, a new free function).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmake -DSOURCE_DIR="$here" -DMODE=refresh -P "$here/cmake/AbiDigest.cmake"
