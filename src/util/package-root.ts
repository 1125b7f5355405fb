/**
 * The package's root folder (the one holding package.json, schemas/, native/), found by walking up
 * from a module's own location, so it is the same whether the module runs from src/ (tests) or dist/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function packageRoot(): string {
  if (found !== undefined) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`Internal error: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  found = dir;
  return dir;
}
