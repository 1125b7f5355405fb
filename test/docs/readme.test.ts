// The README is the ten-minute guide: the two commands first, short, and every `pipe` command it (or a docs page)
// shows must be one `pipe --help` lists, with flags that command's own help lists. The help texts are read from
// src/engine/cli/, the same strings bin/pipe.js prints.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { COMMAND_HELP } from '../../src/engine/cli/help.js';
import { USAGE } from '../../src/engine/cli/options.js';
import { codeBlocks, proseLines, REPO_ROOT } from './markdown.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** `pipe …` command lines of a page: code-block lines (continuations joined) and inline code spans. */
export function pipeCommands(text: string): string[] {
  const lines = codeBlocks(text).flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'));
  const spans = proseLines(text).flatMap(({ line }) => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
  return [...lines, ...spans]
    .map((l) => l.replace(/^\s*\$\s+/, '').replace(/^node bin\/pipe\.js /, 'pipe ').replace(/\s+#.*$/, '').trim())
    .filter((l) => /^pipe [a-z]/.test(l));
}

/** What is wrong with one `pipe …` line, or undefined: an unknown command, or a flag its help does not list. */
export function unknownInCommand(line: string): string | undefined {
  const [, command = '', ...rest] = line.split(/\s+/);
  const listed = new Set([...USAGE.matchAll(/^ {2}pipe (\w+)/gm)].map((m) => m[1]));
  const asked = rest[0] ?? '';
  if (command === 'help') return /^[a-z]+$/.test(asked) && !listed.has(asked) ? `no command ${asked}` : undefined;
  if (!listed.has(command)) return `pipe --help lists no command ${command}`;
  // The command's own options, and the one global flag of the general usage.
  const help = `${COMMAND_HELP[command] ?? ''}\n${/^Global flag: .*$/m.exec(USAGE)?.[0] ?? ''}`;
  const flags = rest.filter((t) => /^--?[a-z]/.test(t)).map((t) => t.replace(/=.*$/, ''));
  const missing = flags.filter((f) => !new RegExp(`(^|[\\s,\\[])${f}\\b`, 'm').test(help));
  return missing.length > 0 ? `pipe ${command} --help lists no ${missing.join(', ')}` : undefined;
}

function docsPages(): string[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f));
  return ['README.md', 'bench/README.md', ...docs];
}

describe('README.md', () => {
  it('starts with the two commands, exactly', () => {
    expect(README.split('\n').slice(0, 6).join('\n')).toBe([
      '# pipe',
      '',
      '```sh',
      'npm run demo   # installs what is missing, builds the native runtime, runs pipelines/demo.yaml end to end',
      'npm test       # the same setup, then the whole test suite',
      '```',
    ].join('\n'));
  });

  it('stays a ten-minute read: at most 250 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(251); // the last line's newline makes one empty element
  });

  it('shows only commands and flags that pipe --help knows, here and in docs/', () => {
    const problems: string[] = [];
    let count = 0;
    for (const page of docsPages()) {
      for (const line of pipeCommands(readFileSync(join(REPO_ROOT, page), 'utf8'))) {
        count++;
        const why = unknownInCommand(line);
        if (why !== undefined) problems.push(`${page}: ${line}: ${why}`);
      }
    }
    expect(count).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('catches an unknown command and an unknown flag', () => {
    expect(unknownInCommand('pipe run pipelines/demo.yaml --set params.epochs=3 --jobs 2')).toBeUndefined();
    expect(unknownInCommand('pipe launch pipelines/demo.yaml')).toMatch(/no command launch/);
    expect(unknownInCommand('pipe status pipelines/demo.yaml --detach')).toMatch(/lists no --detach/);
  });
});
