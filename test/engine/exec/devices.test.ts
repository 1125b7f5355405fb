/**
 * Device assignment: with 4 devices and 1-device instances at most 4 run at once, each with a distinct
 * id in CUDA_VISIBLE_DEVICES / PIPE_DEVICES; a 2-device instance gets 2 distinct ids and a unique
 * rendezvous port; the journal shows no device in two running instances at once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { Rig } from '../../helpers/rig.js';

const PIPELINE = `stages:
  train:
    run: 'echo "$CUDA_VISIBLE_DEVICES|$PIPE_DEVICES|$PIPE_DEVICE_KIND|$PIPE_MASTER_PORT|\${resources.devices}" > \${out}/env.txt; sleep 0.4'
    matrix: {fold: [0, 1, 2, 3, 4, 5]}
    resources: {devices: 1, device: cuda}
  ddp:
    run: 'echo "$CUDA_VISIBLE_DEVICES|$PIPE_DEVICES|$PIPE_DEVICE_KIND|$PIPE_MASTER_PORT|\${resources.devices}" > \${out}/env.txt; sleep 0.4'
    matrix: {seed: [1, 2]}
    resources: {devices: 2, device: cuda}
`;

interface Rec { t: string; stage: string; time: string; devices?: string[]; port?: number; log?: string }

describe('device assignment', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
  });
  afterAll(() => rig.cleanup());

  test('distinct ids, at most pool-size at once, unique ports, recorded in journal and logs', async () => {
    const r = await rig.run(['run', 'p.yaml', '--devices', '0,1,2,3', '--device-kind', 'cuda', '--jobs', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; out: string }[] };
    for (const s of st.stages) {
      const [cuda, pipe, kind, port, n] = readFileSync(join(s.out, 'env.txt'), 'utf8').trim().split('|');
      expect(cuda).toBe(pipe);
      expect(kind).toBe('cuda');
      const ids = (pipe ?? '').split(',');
      expect(ids).toHaveLength(s.stage.startsWith('ddp') ? 2 : 1);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(['0', '1', '2', '3']).toContain(id);
      expect(Number(port)).toBeGreaterThan(0);
      expect(n).toBe(String(ids.length));
    }
    // Replay the journal: no device and no port is ever held by two running instances.
    const recs = readFileSync(rig.path('cache', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    const held = new Map<string, string>();
    const ports = new Map<number, string>();
    let maxRunning = 0;
    const running = new Set<string>();
    for (const rec of recs) {
      if (rec.t === 'instance-start') {
        for (const d of rec.devices ?? []) {
          expect(held.get(d), `device ${d} given to ${rec.stage} while ${held.get(d)} runs`).toBeUndefined();
          held.set(d, rec.stage);
        }
        expect(ports.get(rec.port ?? 0)).toBeUndefined();
        ports.set(rec.port ?? 0, rec.stage);
        running.add(rec.stage);
        maxRunning = Math.max(maxRunning, running.size);
        expect(readFileSync(rec.log ?? '', 'utf8')).toContain(`devices cuda:${(rec.devices ?? []).join(',')} port ${rec.port}`);
      } else if (rec.t === 'instance-end') {
        for (const [d, s] of held) if (s === rec.stage) held.delete(d);
        for (const [p, s] of ports) if (s === rec.stage) ports.delete(p);
        running.delete(rec.stage);
      }
    }
    expect(maxRunning).toBeLessThanOrEqual(4);
    expect(maxRunning).toBeGreaterThanOrEqual(2);
  });
});
