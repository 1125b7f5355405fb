#!/usr/bin/env bash
# Checks the C++ of native/ and bench/ against native/.clang-format (Google style, 120 columns) without
# changing a file; `bash scripts/lint-native.sh --fix` formats them in place. clang-format comes from
# Debian (setup.sh installs it); its major version is printed, as formatting can differ between versions.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "[lint] clang-format is missing: apt-get install clang-format (or bash scripts/setup.sh)" >&2; exit 1; }
mapfile -t files < <(git ls-files 'native/*.cc' 'native/*.h' 'native/*.cu' 'native/*.cuh' 'bench/*.cc' 'bench/*.h')
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = "--fix" ]; then
  clang-format -i --style=file:native/.clang-format "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror --style=file:native/.clang-format "${files[@]}" 2>/tmp/pipe-clang-format.$$; then
  grep -E '^[^ ].*: (error|warning):' /tmp/pipe-clang-format.$$ | head -20 >&2
  rm -f /tmp/pipe-clang-format.$$
  echo "[lint] C++ formatting differs from native/.clang-format ($(clang-format --version)); fix: bash scripts/lint-native.sh --fix" >&2
  exit 1
fi
rm -f /tmp/pipe-clang-format.$$
echo "[lint] ${#files[@]} C++ files formatted as native/.clang-format says" >&2
