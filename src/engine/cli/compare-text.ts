/** The terminal text of `pipe compare`: the runs, what differs, time per stage, then each kind's comparison. */
import type { KeyChange } from '../cache/key.js';
import type { RunComparison } from '../api/compare.js';
import type { RunDifferences, StageChange } from '../api/run-differences.js';
import { formatDuration } from '../../util/duration.js';
import { durationText, localTime, overridesText, stateText } from './run-list-text.js';

/** A recorded JSON value for a line: quotes of plain strings dropped, digests cut to 8 hex digits, long text cut. */
export function valueText(json: string | undefined): string {
  if (json === undefined) return '(none)';
  const text = /^"[^"\\]*"$/.test(json) ? json.slice(1, -1) : json;
  if (/^(sha256:)?[0-9a-f]{16,}$/.test(text)) return text.replace(/^sha256:/, '').slice(0, 8);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `epochs 34 → 20`, `input data/a.txt changed`, `implementation version 4 → 5`. */
export function changeText(c: KeyChange): string {
  if (c.field.startsWith('with.')) return `${c.field.slice(5)} ${valueText(c.from)} → ${valueText(c.to)}`;
  if (c.field.startsWith('inputs.')) return `input ${c.field.slice(7)} ${c.from === undefined ? 'added' : c.to === undefined ? 'removed' : 'changed'}`;
  if (c.field === 'version') return `implementation version ${valueText(c.from)} → ${valueText(c.to)}`;
  return `${c.field} ${valueText(c.from)} → ${valueText(c.to)}`;
}

export function stageChangeText(s: StageChange): string {
  const who = s.instances.length === 1 && s.instances[0] === s.stage ? s.stage : `${s.stage} (${s.instances.length === 1 ? s.instances[0] : `${s.instances.length} instances`})`;
  const parts = s.changes.map(changeText);
  if (s.unrecorded) parts.push('the key differs (its key material is not recorded)');
  if (s.upstream.length > 0) parts.push(`${parts.length === 0 ? 'reran because ' : ''}upstream ${s.upstream.join(', ')} changed`);
  return `${who}: ${parts.join(', ') || 'the key differs'}`;
}

export function differencesLines(d: RunDifferences): string[] {
  const lines = [`What differs, ${d.run} against ${d.baseline}`];
  lines.push(`  params: ${d.params.length === 0 ? 'the same' : d.params.map((p) => `${p.param} ${valueText(p.from)} → ${valueText(p.to)}`).join(', ')}`);
  for (const s of d.stages) lines.push(`  ${stageChangeText(s)}`);
  if (d.same.length > 0) lines.push(`  same key in both: ${d.same.join(', ')}`);
  if (d.onlyBaseline.length > 0) lines.push(`  only in ${d.baseline}: ${d.onlyBaseline.join(', ')}`);
  if (d.onlyOther.length > 0) lines.push(`  only in ${d.run}: ${d.onlyOther.join(', ')}`);
  return lines;
}

export function compareText(c: RunComparison, relativePath: (p: string) => string): string {
  const [baseline] = c.runs;
  const lines = [`pipe compare: ${c.runs.length} runs of the store ${relativePath(c.store) || '.'} (${baseline?.short ?? ''} is the baseline)`];
  const w = Math.max(...c.runs.map((r) => r.short.length));
  for (const r of c.runs) lines.push(`  ${r.short.padEnd(w)}  ${localTime(r.time)}  ${durationText(r).padStart(7)}  ${stateText(r)}  ${r.executor}  ${overridesText(r)}`);
  for (const d of c.differences) lines.push(...differencesLines(d));
  lines.push('Time to build each stage (the runs that built its outputs; "cached": found built)');
  const sw = Math.max(5, ...c.stageTimes.map((s) => s.stage.length));
  const cell = (p: RunComparison['stageTimes'][number]['perRun'][number]): string =>
    `${p.buildMs === null ? 'n/a' : formatDuration(p.buildMs)}${p.instances > 0 && p.cached === p.instances ? ' cached' : p.cached > 0 ? ` ${p.cached}/${p.instances} cached` : ''}`;
  const cw = Math.max(w, ...c.stageTimes.flatMap((s) => s.perRun.map((p) => cell(p).length)));
  lines.push(`  ${'stage'.padEnd(sw)}  ${c.runs.map((r) => r.short.padEnd(cw)).join('  ')}`.trimEnd());
  for (const s of c.stageTimes) lines.push(`  ${s.stage.padEnd(sw)}  ${s.perRun.map((p) => cell(p).padEnd(cw)).join('  ')}`.trimEnd());
  for (const a of c.analyses) {
    lines.push(a.stage === a.kind ? a.stage : `${a.stage} (${a.kind})`);
    if (a.note !== undefined) lines.push(`  ${a.note}`);
    if (a.comparison !== undefined) lines.push(...a.comparison.text.split('\n').map((l) => `  ${l}`));
  }
  if (c.analyses.length === 0) lines.push('No stage of these runs has outputs its kind can compare (a report stage gives Dice per label and per case).');
  return lines.join('\n');
}
