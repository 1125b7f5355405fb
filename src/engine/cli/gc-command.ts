/** `pipe gc [FILE] [--dry-run] [--force]`: flags -> gc. */
import { gc } from '../api/gc.js';
import { loadPipeline } from '../config/load-pipeline.js';
import { defaultStore } from '../api/run.js';
import { parse } from './options.js';

export async function gcCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('gc', args, { 'dry-run': { type: 'boolean', short: 'n' }, force: { type: 'boolean' }, json: { type: 'boolean' } });
  const file = positionals[0];
  const store = file !== undefined ? (await loadPipeline(file)).store : defaultStore();
  const result = await gc(store, { dryRun: values['dry-run'] === true, force: values['force'] === true });
  if (values['json']) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const verb = result.dryRun ? 'would remove' : 'removed';
  for (const r of result.removed) process.stdout.write(`  ${verb} ${r.key}${r.stage ? ` (${r.stage})` : ''} ${r.bytes} bytes\n`);
  for (const p of result.pipelines) if (p.error) process.stdout.write(`  note: ${p.file}: ${p.error}; its objects are not kept\n`);
  for (const w of result.warnings) process.stdout.write(`  note: ${w}\n`);
  process.stdout.write(`pipe gc: ${verb} ${result.removed.length} item(s), ${result.bytes} bytes; kept ${result.kept} object(s) in ${result.store}\n`);
  return 0;
}
