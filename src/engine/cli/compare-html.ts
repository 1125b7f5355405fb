/**
 * The self-contained page of `pipe compare --html OUT`: the runs, what differs, time per stage and
 * each kind's comparison fragment (inline SVG), with its own styles; no script, nothing fetched.
 */
import type { RunComparison } from '../api/compare.js';
import { formatDuration } from '../../util/duration.js';
import { changeText, valueText } from './compare-text.js';
import { durationText, localTime, overridesText, stateText } from './run-list-text.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `body{font-family:Helvetica,Arial,sans-serif;margin:24px auto;max-width:1440px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px;margin-bottom:6px}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
th{background:#f3f3f3}code{font-size:12px}.note{color:#555;font-size:13px}figure{margin:6px 0 18px}svg{max-width:100%;height:auto}`;

export function compareHtml(c: RunComparison): string {
  const runs = `<table><tr><th>run</th><th>id</th><th>started</th><th>took</th><th>state</th><th>executor</th><th>--set</th></tr>${c.runs.map((r, i) =>
    `<tr><td><code>${esc(r.short)}</code>${i === 0 ? ' (baseline)' : ''}</td><td><code>${esc(r.id)}</code></td><td>${esc(localTime(r.time))}</td><td>${esc(durationText(r))}</td><td>${esc(stateText(r))}</td><td>${esc(r.executor)}</td><td>${esc(overridesText(r))}</td></tr>`).join('')}</table>`;
  const differences = c.differences.map((d) => {
    const items = [
      `<li>params: ${d.params.length === 0 ? 'the same' : esc(d.params.map((p) => `${p.param} ${valueText(p.from)} → ${valueText(p.to)}`).join(', '))}</li>`,
      ...d.stages.map((s) => `<li><b>${esc(s.stage)}</b> (${s.instances.length} instance${s.instances.length === 1 ? '' : 's'}): ${esc([...s.changes.map(changeText), ...(s.unrecorded ? ['the key differs (key material not recorded)'] : []), ...(s.upstream.length > 0 ? [`upstream ${s.upstream.join(', ')} changed`] : [])].join(', ') || 'the key differs')}</li>`),
      ...(d.same.length > 0 ? [`<li>same key in both: ${esc(d.same.join(', '))}</li>`] : []),
      ...(d.onlyBaseline.length > 0 ? [`<li>only in ${esc(d.baseline)}: ${esc(d.onlyBaseline.join(', '))}</li>`] : []),
      ...(d.onlyOther.length > 0 ? [`<li>only in ${esc(d.run)}: ${esc(d.onlyOther.join(', '))}</li>`] : []),
    ];
    return `<h3>${esc(d.run)} against ${esc(d.baseline)}</h3><ul>${items.join('')}</ul>`;
  }).join('');
  const times = `<table><tr><th>stage</th>${c.runs.map((r) => `<th><code>${esc(r.short)}</code></th>`).join('')}</tr>${c.stageTimes.map((s) =>
    `<tr><td>${esc(s.stage)}</td>${s.perRun.map((p) => `<td>${p.buildMs === null ? 'n/a' : esc(formatDuration(p.buildMs))}${p.cached > 0 ? ` <span class="note">(${p.cached}/${p.instances} cached)</span>` : ''}</td>`).join('')}</tr>`).join('')}</table>`;
  const analyses = c.analyses.map((a) => `<section data-stage="${esc(a.stage)}"><h2>${esc(a.stage === a.kind ? a.stage : `${a.stage} (${a.kind})`)}</h2>${a.note !== undefined ? `<p class="note">${esc(a.note)}</p>` : ''}${a.comparison?.html ?? ''}</section>`).join('');
  const title = `pipe compare ${c.runs.map((r) => r.short).join(' ')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(title)}</h1>
<h2>Runs</h2>${runs}
<h2>What differs</h2>${differences}
<h2>Time to build each stage</h2><p class="note">Per stage, the time its outputs took to build, in whichever run built them; cached: found built by an earlier run.</p>${times}
${analyses}
</body></html>
`;
}
