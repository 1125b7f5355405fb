/** `pipe verify [FILE] [--set ...] [--repair] [--json]`: flags -> verify; exit 1 while damage remains. */
import { verify, type VerifiedObject } from '../api/verify.js';
import { defaultStore } from '../api/run.js';
import { loadPipeline } from '../config/load-pipeline.js';
import { damageText } from '../cache/manifest.js';
import { resolve } from 'node:path';
import { parse } from './options.js';

function line(o: VerifiedObject): string {
  const what = o.verdict === 'damaged'
    ? `${damageText(o.damage)}${o.removed ? '; removed, the next run rebuilds it' : ''}`
    : o.verdict === 'unverified' ? `${o.files} file(s), sizes checked; no digests (committed by an older pipe)` : `${o.files} file(s), ${o.bytes} bytes`;
  return `  ${o.verdict.padEnd(10)} ${o.stage.padEnd(24)} ${o.key.slice(0, 12)}  ${what}\n`;
}

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('verify', args, {
    set: { type: 'string', multiple: true }, repair: { type: 'boolean' }, json: { type: 'boolean' },
  });
  const file = positionals[0];
  const set = values['set'] as string[] | undefined;
  const store = file !== undefined ? (await loadPipeline(file, set ? { overrides: set } : {})).store : defaultStore();
  const result = await verify(store, { ...(file !== undefined ? { file: resolve(file) } : {}), ...(set ? { overrides: set } : {}), repair: values['repair'] === true });
  const left = result.objects.filter((o) => o.verdict === 'damaged' && !o.removed).length;
  if (values['json']) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return left > 0 ? 1 : 0;
  }
  process.stdout.write(`pipe verify: store ${result.store}\n`);
  for (const o of result.objects) process.stdout.write(line(o));
  for (const p of result.pipelines) if (p.error) process.stdout.write(`  note: ${p.file}: ${p.error}; its objects are not checked\n`);
  const count = (v: string): number => result.objects.filter((o) => o.verdict === v).length;
  const hint = left > 0 ? '; pipe verify --repair drops the damaged objects (the next run rebuilds them)' : '';
  process.stdout.write(`pipe verify: ${result.objects.length} object(s) rehashed: ${count('ok')} ok, ${result.damaged} damaged, ${count('unverified')} unverified (sizes only); ${result.notBuilt} not built${hint}\n`);
  return left > 0 ? 1 : 0;
}
