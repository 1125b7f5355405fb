/** Runs Debian's /usr/bin/python3 (with numpy) for reference checks; stdin in, stdout out. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';
export const hasPython = existsSync(PYTHON);

export function runPython(args: readonly string[], input = ''): string {
  const r = spawnSync(PYTHON, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** Runs a Python snippet given as text. */
export const pythonEval = (code: string, input = ''): string => runPython(['-c', code], input);
