// The little Markdown reading the docs tests need: headings and their sections, table rows, relative links and the
// anchors GitHub makes from headings. Fenced code blocks are skipped, so a `# comment` in a shell block is no heading.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The lines of `text` outside fenced code blocks, with their 0-based line numbers. */
export function proseLines(text: string): { line: string; index: number }[] {
  const out: { line: string; index: number }[] = [];
  let fenced = false;
  text.split('\n').forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) out.push({ line, index });
  });
  return out;
}

/** The bodies of code blocks fenced with ``` in `text`. */
export function codeBlocks(text: string): string[] {
  return [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? '');
}

/** Headings of exactly `level` (`##` = 2) mapped to the text up to the next heading of that level or higher. */
export function markdownSections(text: string, level: number): Map<string, string> {
  const lines = text.split('\n');
  const headings = proseLines(text)
    .map(({ line, index }) => ({ index, m: /^(#{1,6}) (.+?)\s*$/.exec(line) }))
    .filter((h): h is { index: number; m: RegExpExecArray } => h.m !== null);
  const sections = new Map<string, string>();
  headings.forEach(({ index, m }, i) => {
    if ((m[1] ?? '').length !== level) return;
    const next = headings.slice(i + 1).find((h) => (h.m[1] ?? '').length <= level);
    sections.set(m[2] ?? '', lines.slice(index + 1, next?.index ?? lines.length).join('\n'));
  });
  return sections;
}

/** The cells of every table row in `text` (separator rows left out), trimmed. */
export function markdownTableRows(text: string): string[][] {
  return proseLines(text)
    .map(({ line }) => line.trim())
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]*\|$/.test(line))
    .map((line) => line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((cell) => cell.trim()));
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor of `text`'s headings, with GitHub's -1, -2 … for repeats. */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { line } of proseLines(text)) {
    const m = /^#{1,6} (.+?)\s*$/.exec(line);
    if (!m) continue;
    const base = headingAnchor(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Relative link targets of `text` (`[text](target)` outside code), with their 1-based line numbers. */
export function relativeLinks(text: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  for (const { line, index } of proseLines(text)) {
    const withoutCode = line.replace(/`[^`]*`/g, '');
    for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ target, line: index + 1 });
    }
  }
  return links;
}
