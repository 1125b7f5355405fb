#!/usr/bin/env bash
# npm run demo [-- OPTIONS]: setup, then `pipe run pipelines/demo.yaml OPTIONS` (e.g. --set params.epochs=10,
# --progress plain, --dry-run), then the report of that run. npm puts what follows `--` after the script's
# command, so the options are passed on here rather than landing after the report.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
node bin/pipe.js run pipelines/demo.yaml "$@"
# A dry run or a help text ran nothing, and a detached (Slurm) run is not over: no run to report on yet.
for arg in "$@"; do
  case "$arg" in --dry-run | -n | --help | -h | --detach) exit 0 ;; esac
done
node bin/pipe.js report pipelines/demo.yaml
