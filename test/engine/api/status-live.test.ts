/** `pipe status` while a stage runs: state running, live progress from `::pipe::` lines, devices. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { collect, Rig, waitFor } from '../../helpers/rig.js';

describe('live status', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': 'stages:\n  train:\n    run: node $FIXTURES/trainer.mjs train 400 10 25\n    resources: {devices: 1, device: cpu}\n' });
  });
  afterAll(() => rig.cleanup());

  test('shows the running instance with epoch, loss and ETA', async () => {
    const child = rig.spawn(['run', 'p.yaml'], { PIPE_PROGRESS_INTERVAL_MS: '300' });
    const done = collect(child);
    await waitFor(() => rig.exists('cache/journal.jsonl') && rig.read('cache/journal.jsonl').split('"t":"progress"').length > 2, 20_000, 'progress');
    const r = await rig.run(['status', 'p.yaml']);
    expect(r.stdout).toMatch(/train +running +[0-9a-f]{12} +epoch \d+\/400 loss 0\.\d+ ETA \d/);
    expect(r.stdout).toMatch(/\[devices 0\]/);
    child.kill('SIGINT');
    expect((await done).code).toBe(130);
    expect((await rig.run(['status', 'p.yaml'])).stdout).toMatch(/train +interrupted .*last progress: epoch \d+\/400/);
  });
});
