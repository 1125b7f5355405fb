#!/usr/bin/env bash
# Puts `pipe` on PATH (setup.sh runs this): `npm link`, a symlink in npm's global bin folder to this checkout's
# bin/pipe.js. Idempotent and quiet: it prints nothing when `pipe` already runs this checkout, one line when it
# (re)links, and a hint when npm's bin folder is not on PATH. It never fails the setup: where the link cannot be
# made (npm's prefix not writable, another file named pipe there) it says how else, and `node bin/pipe.js` works
# anyway. npm's prefix is npm's own setting (`npm prefix -g`; `npm_config_prefix` in the environment overrides it).
# PIPE_LINK=0 skips the step.
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

[ "${PIPE_LINK:-1}" = "0" ] && exit 0
want=$(readlink -f bin/pipe.js)
if ! prefix=$(npm prefix -g 2>/dev/null) || [ -z "$prefix" ]; then
  say "pipe is not on PATH: npm prefix -g failed; run node bin/pipe.js instead of pipe"
  exit 0
fi
bin="$prefix/bin"
have=$(readlink -e "$bin/pipe" 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  if ! out=$(npm link --no-audit --no-fund --ignore-scripts 2>&1 </dev/null); then
    # npm's errno line ("EACCES: permission denied, mkdir …", "EEXIST: file already exists"), else its first error.
    reason=$(printf '%s\n' "$out" | grep -m1 -E '^npm (error|ERR!) E[A-Z]+: ' || printf '%s\n' "$out" | grep -m1 -E '^npm (error|ERR!)')
    reason=$(printf '%s' "$reason" | sed -E 's/^npm (error|ERR!) *//')
    case "$reason" in
      EEXIST*) say "could not put pipe on PATH: $bin/pipe exists and is not npm's link (remove it and rerun setup)," \
        "or run node bin/pipe.js instead" ;;
      *) say "could not put pipe on PATH (npm link into $prefix: ${reason:-failed}); run node bin/pipe.js instead," \
        "or give npm a prefix you can write: npm config set prefix ~/.local, put ~/.local/bin on PATH, rerun setup" ;;
    esac
    exit 0
  fi
  say "pipe -> $want${have:+ (was $have)}"
fi
found=$(command -v pipe 2>/dev/null || true)
if [ -z "$found" ]; then
  say "pipe is linked in $bin, which is not on PATH: export PATH=\"$bin:\$PATH\" (or run node bin/pipe.js)"
elif [ "$(readlink -f "$found")" != "$want" ]; then
  say "another pipe comes first on PATH ($found); this checkout's is $bin/pipe"
fi
exit 0
