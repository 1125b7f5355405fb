// Every relative link of the README, docs/, bench/ and native/ pages lands on a file that exists and, when it names
// an anchor (#heading), on a heading of that page: a moved page or a renamed heading fails here, not in a reader's
// browser.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

import { headingAnchors, REPO_ROOT, relativeLinks } from './markdown.js';

/** The Markdown pages readers follow links in. */
function pages(): string[] {
  const inFolder = (dir: string): string[] =>
    existsSync(join(REPO_ROOT, dir))
      ? readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.md'))
          .map((f) => join(dir, f))
      : [];
  return ['README.md', 'native/README.md', ...inFolder('docs'), ...inFolder('bench')];
}

/** What is wrong with one link of `page` (relative to the repository), or undefined when it resolves. */
export function brokenLink(page: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#', 2);
  const file = path === '' ? join(REPO_ROOT, page) : join(REPO_ROOT, dirname(page), decodeURI(path));
  if (!existsSync(file)) return `no such file ${relative(REPO_ROOT, file)}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${anchor} on a file that is not a Markdown page`;
  const anchors = headingAnchors(readFileSync(file, 'utf8'));
  return anchors.has(anchor) ? undefined : `no heading #${anchor} in ${relative(REPO_ROOT, file)}`;
}

describe('relative links in the docs', () => {
  it('finds the pages and their links', () => {
    const all = pages();
    expect(all).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'bench/README.md']));
    const count = all.reduce((n, p) => n + relativeLinks(readFileSync(join(REPO_ROOT, p), 'utf8')).length, 0);
    expect(count).toBeGreaterThan(20);
  });

  it('every relative link resolves to a file, and every anchor to a heading', () => {
    const broken: string[] = [];
    for (const page of pages()) {
      for (const { target, line } of relativeLinks(readFileSync(join(REPO_ROOT, page), 'utf8'))) {
        const why = brokenLink(page, target);
        if (why !== undefined) broken.push(`${page}:${line}: (${target}) ${why}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('catches a missing file and a missing heading', () => {
    expect(brokenLink('docs/README.md', 'stages.md#train')).toBeUndefined();
    expect(brokenLink('docs/README.md', 'no-such-page.md')).toMatch(/no such file docs\/no-such-page\.md/);
    expect(brokenLink('docs/README.md', 'stages.md#no-such-heading')).toMatch(/no heading #no-such-heading/);
    expect(brokenLink('README.md', '#code-map')).toBeUndefined();
  });
});
