#!/usr/bin/env bash
# Idempotent setup: installs what is missing (Debian packages, npm dependencies),
# builds the TypeScript and the native addon, and puts `pipe` on PATH. Quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

# 1. Debian packages: LibTorch (CPU, with c10d) and Gloo headers for the native runtime;
#    Debian's Python with numpy/scipy/nibabel/torch for format checks and baselines.
#    clang-format for the C++ lint step of npm test. slurm-wlm + munge: the one-node cluster the Slurm
#    executor tests start (scripts/dev-slurm.sh).
DEB_PACKAGES=(libtorch-dev libgloo-dev python3-numpy python3-scipy python3-nibabel python3-torch cmake g++ ccache chromium clang-format slurm-wlm munge)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. npm dependencies (only when the lock file changed since the last install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --ignore-scripts >/dev/null
fi

# 3. TypeScript build (only when a source is newer than the last build).
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src tsconfig.json package.json -newer "$stamp" -print -quit)" ]; then
  say "building TypeScript"
  npx tsc -p tsconfig.json
  touch "$stamp"
fi

# 4. Native addon and its Node-free test executable.
if [ -f scripts/build-native.sh ]; then
  bash scripts/build-native.sh
fi

# 5. `pipe` on PATH (npm link; quiet when it already runs this checkout, a hint when it cannot: scripts/link-pipe.sh).
bash scripts/link-pipe.sh
