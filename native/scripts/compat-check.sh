#!/usr/bin/env bash
# Compiles every native source (core, tests, benches, the addon's bindings) against the headers of a LibTorch 2.x,
# without linking or running: the GPU machines build against PyTorch 2.x wheels, this machine against Debian's 1.13,
# and a session without a GPU would otherwise learn only on the device that a 2.x API moved.
# The headers come from Debian's libtorch-dev of a newer suite (2.6 in trixie: CPU build, with c10d and Gloo),
# fetched from the Debian mirror into native/build/compat-<suite>/ once. Not covered: the CUDA and NCCL paths
# (their headers need the CUDA toolkit), which only the device's build compiles.
#   bash native/scripts/compat-check.sh [SOURCE...]   (default: all)
#   -> last line: "compat: N sources compile against LibTorch X (...)". About 3 minutes on 2 cores: not part of
#   npm test; run it after changing native code that touches LibTorch APIs, and before a device session.
# Env: SUITE (trixie), MIRROR (http://deb.debian.org/debian), JOBS (nproc), CXX (g++).
# Exit: 0 all compile, 1 a source fails (its errors are printed), 3 the headers could not be fetched.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE=${SUITE:-trixie} MIRROR=${MIRROR:-http://deb.debian.org/debian} JOBS=${JOBS:-$(nproc)} CXX=${CXX:-g++}
dir=native/build/compat-$SUITE
root=$dir/root

fetch() {  # fetch PACKAGE...: unpacks the suite's .deb of each package into $root
  local index=$dir/Packages
  if [ ! -s "$index" ]; then
    curl -fsS --retry 2 --max-time 120 "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz" | xz -dc > "$index.tmp"
    mv "$index.tmp" "$index"
  fi
  for pkg in "$@"; do
    local file
    file=$(awk -v p="$pkg" '$1 == "Package:" { hit = ($2 == p) } hit && $1 == "Filename:" { print $2; exit }' "$index")
    [ -n "$file" ] || { echo "compat: $pkg not found in $SUITE's index" >&2; return 1; }
    curl -fsS --retry 2 --max-time 300 -o "$dir/$pkg.deb" "$MIRROR/$file"
    dpkg-deb -x "$dir/$pkg.deb" "$root"
  done
}

mkdir -p "$dir"
if [ ! -f "$root/.complete" ]; then
  rm -rf "$root"
  if ! fetch libtorch-dev libgloo-dev; then
    echo "compat: could not fetch LibTorch headers of Debian $SUITE from $MIRROR" >&2
    exit 3
  fi
  touch "$root/.complete"
fi
version=$(awk '/#define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v ? "." : "") $3 } END { print v }' \
  "$root/usr/include/torch/csrc/api/include/torch/version.h")

addon_api=$(node -p "require('node-addon-api').include_dir" 2>/dev/null || true)
node_inc=$(dirname "$(dirname "$(command -v node)")")/include/node
flags=(-std=c++17 -w -D_GLIBCXX_USE_CXX11_ABI=1
       "-DPIPE_TORCH_VERSION=\"$version\"" -DPIPE_TORCH_CUDA=0 -DPIPE_HAVE_C10D_GLOO=1 -DPIPE_HAVE_C10D_NCCL=0
       -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED
       -I native/src -I "$root/usr/include" -I "$root/usr/include/torch/csrc/api/include")
[ -n "$addon_api" ] && flags+=(-I "$addon_api")
[ -d "$node_inc" ] && flags+=(-I "$node_inc")

if [ $# -gt 0 ]; then
  sources=("$@")
else
  sources=(native/src/core/*.cc native/tests/*.cc native/bench/*.cc)
  if [ -n "$addon_api" ] && [ -f "$node_inc/node_api.h" ]; then
    sources+=(native/src/binding/*.cc)
  else
    echo "compat: node-addon-api or Node's headers not found: the bindings are not checked" >&2
  fi
fi

# <torch/torch.h> precompiled once (40 s): a source then takes ~8 s instead of ~25 s.
pch=$dir/pch/torch_all.h
if [ ! -f "$pch.gch" ] || [ "$(cat "$pch.flags" 2>/dev/null)" != "${flags[*]}" ]; then
  mkdir -p "$dir/pch"
  printf '#include <torch/torch.h>\n' > "$pch"
  "$CXX" "${flags[@]}" -x c++-header "$pch" -o "$pch.gch.tmp" && mv "$pch.gch.tmp" "$pch.gch"
  printf '%s' "${flags[*]}" > "$pch.flags"
fi
flags+=(-fsyntax-only -Winvalid-pch -include "$pch")
logs=$dir/logs
rm -rf "$logs" && mkdir -p "$logs"
export CXX logs
printf '%s\n' "${sources[@]}" | xargs -P "$JOBS" -I{} bash -c \
  'src={}; log=$logs/$(echo "$src" | tr / _).log; extra=()
   case $src in *_emulated_test.cc) extra=(-I native/tests/emulated) ;; esac  # its stand-ins for the CUDA headers
   "$CXX" "$@" "${extra[@]}" "$src" > "$log" 2>&1 || mv "$log" "$log.failed"' \
  _ "${flags[@]}"
failed=$(find "$logs" -name '*.failed' | sort)
if [ -n "$failed" ]; then
  for f in $failed; do echo "---- $(basename "$f" .log.failed)"; grep -m 20 -E 'error|required from' "$f" || head -20 "$f"; done
  echo "compat: $(echo "$failed" | wc -l) of ${#sources[@]} sources fail to compile against LibTorch $version ($SUITE)"
  exit 1
fi
echo "compat: ${#sources[@]} sources compile against LibTorch $version (Debian $SUITE headers; CUDA/NCCL not covered)"
