/**
 * Malformed pipelines: each gives a located, specific message (`p.yaml:line:col`), exit code 2,
 * and leaves the store untouched (not even created).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

const OK_HEAD = `name: bad
params:
  batch_size: 2
stages:
`;

interface Case {
  readonly name: string;
  readonly yaml: string;
  /** Expected `line:col` of the first diagnostic. */
  readonly at: string;
  readonly message: RegExp;
  readonly args?: readonly string[];
}

const CASES: Case[] = [
  { name: 'bad YAML (unclosed flow sequence)', yaml: `${OK_HEAD}  a:\n    run: echo\n    needs: [b\n`, at: '7:13', message: /invalid YAML: Flow sequence .* must .* end with a \]/ },
  { name: 'duplicate key', yaml: `${OK_HEAD}  a:\n    run: echo\n    run: echo again\n`, at: '7:5', message: /invalid YAML: Map keys must be unique/ },
  { name: 'unknown top-level key', yaml: `name: bad\nstagse:\n  a: {run: echo}\n`, at: '2:1', message: /unknown key "stagse" at the top level: expected one of .*did you mean "stages"/ },
  { name: 'unknown stage key with suggestion', yaml: `${OK_HEAD}  a:\n    run: echo\n    need: [b]\n`, at: '7:5', message: /unknown key "need" in stages\.a: expected one of .*\(did you mean "needs"\?\)/ },
  { name: 'wrong type for needs', yaml: `${OK_HEAD}  a:\n    run: echo\n  b:\n    run: echo\n    needs: a\n`, at: '9:12', message: /Expected an array for stages\.b\.needs but received "a" \(string\)/ },
  { name: 'wrong type for retry', yaml: `${OK_HEAD}  a:\n    run: echo\n    retry: twice\n`, at: '7:12', message: /Expected an integer for stages\.a\.retry but received "twice"/ },
  { name: 'missing needs target', yaml: `${OK_HEAD}  plan:\n    run: echo\n  train:\n    run: echo\n    needs: [plna]\n`, at: '9:13', message: /unknown stage "plna" in needs of "train": .*did you mean "plan"/ },
  { name: 'cycle', yaml: `${OK_HEAD}  a:\n    run: echo\n    needs: [b]\n  b:\n    run: echo\n    needs: [a]\n`, at: '7:13', message: /cycle in needs: a -> b -> a/ },
  { name: 'unknown param reference', yaml: `${OK_HEAD}  a:\n    run: echo \${params.batchsize}\n`, at: '6:15', message: /unknown param "params\.batchsize": expected one of params\.batch_size/ },
  { name: 'unknown reference root', yaml: `${OK_HEAD}  a:\n    run: echo \${parms.x}\n`, at: '6:15', message: /unknown reference "\$\{parms\.x\}".*did you mean "params"/ },
  { name: 'matrix axis reference without matrix', yaml: `${OK_HEAD}  a:\n    run: echo \${matrix.fold}\n`, at: '6:15', message: /stage "a" has no matrix axis "fold": it declares no matrix/ },
  { name: 'matrix axis from a param that is not a list', yaml: `${OK_HEAD}  a:\n    run: echo\n    matrix: {size: "\${params.batch_size}"}\n`, at: '7:20', message: /matrix axis "size": \$\{params\.batch_size\} is 2; expected a non-empty list of strings, numbers or booleans/ },
  { name: 'matrix axis neither a list nor a reference', yaml: `${OK_HEAD}  a:\n    run: echo\n    matrix: {size: big}\n`, at: '7:20', message: /Expected a list of values or one \$\{params\.\*\} reference to a list for stages\.a\.matrix\.size but received "big"/ },
  { name: 'stage output not in needs', yaml: `${OK_HEAD}  a:\n    run: echo\n  b:\n    run: cat \${stages.a.out}/x\n`, at: '8:14', message: /\$\{stages\.a\.out\} refers to "a", which is not in needs of "b": add it to needs/ },
  { name: 'matrix axis mismatch', yaml: `${OK_HEAD}  train:\n    run: echo\n    matrix: {fold: [0, 1, 2]}\n  validate:\n    run: echo\n    needs: [train]\n    matrix: {fold: [0, 1, 5]}\n`, at: '11:20', message: /matrix axis mismatch: validate\[fold=5\] has no matching instance of "train"/ },
  { name: 'negative devices', yaml: `${OK_HEAD}  a:\n    run: echo\n    resources: {devices: -1}\n`, at: '7:26', message: /Expected a number >= 0 for stages\.a\.resources\.devices but received -1/ },
  { name: 'unknown device kind', yaml: `${OK_HEAD}  a:\n    run: echo\n    resources: {devices: 1, device: gpu}\n`, at: '7:37', message: /Expected one of "cpu", "cuda", "npu" for stages\.a\.resources\.device but received "gpu"/ },
  { name: 'both run and uses', yaml: `${OK_HEAD}  a:\n    run: echo\n    uses: train\n`, at: '7:5', message: /has both run and uses/ },
  { name: 'neither run nor uses', yaml: `${OK_HEAD}  a:\n    needs: []\n`, at: '5:3', message: /has neither run nor uses/ },
  { name: 'unknown built-in kind', yaml: `${OK_HEAD}  a:\n    uses: trian\n`, at: '6:11', message: /unknown stage kind "trian": expected one of/ },
  { name: 'bad timeout', yaml: `${OK_HEAD}  a:\n    run: echo\n    timeout: 5 minutes\n`, at: '7:14', message: /Expected a positive number of seconds or a duration like "90s"/ },
  { name: 'invalid stage id', yaml: `${OK_HEAD}  "my stage":\n    run: echo\n`, at: '5:3', message: /invalid name "my stage" in stages/ },
  { name: 'input that matches nothing', yaml: `${OK_HEAD}  a:\n    run: echo\n    inputs: [data/missing.txt]\n`, at: '7:14', message: /input "data\/missing\.txt" matches no file/ },
  { name: 'empty matrix axis', yaml: `${OK_HEAD}  a:\n    run: echo\n    matrix: {fold: []}\n`, at: '7:20', message: /Expected at least 1 item\(s\) in stages\.a\.matrix\.fold/ },
  { name: 'devices beyond the pool', yaml: `${OK_HEAD}  a:\n    run: echo\n    resources: {devices: 3, device: cpu}\n`, at: '7:26', message: /needs 3 cpu device\(s\) but the cpu pool has 2 \(0,1\)/, args: ['--devices', '0,1', '--device-kind', 'cpu'] },
];

describe('malformed pipelines', () => {
  const rig = new Rig();
  beforeAll(ensureBuilt);
  afterAll(() => rig.cleanup());

  test.each(CASES)('$name: located message, exit 2, store untouched', async (c) => {
    const dir = c.name.replace(/[^a-z]+/g, '-');
    rig.write({ [`${dir}/p.yaml`]: c.yaml });
    const r = await rig.run(['run', `${dir}/p.yaml`, ...(c.args ?? [])]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr, r.stderr).toContain(`${dir}/p.yaml:${c.at}`);
    expect(r.stderr).toMatch(c.message);
    // The offending line is quoted under the location, with a caret.
    expect(r.stderr).toMatch(/\n\d+ \| .+\n +\| +\^/);
    expect(rig.exists(`${dir}/cache`)).toBe(false);
  });

  test('usage errors exit 2 too', async () => {
    rig.write({ 'ok/p.yaml': `${OK_HEAD}  a:\n    run: echo\n` });
    for (const args of [['run'], ['run', 'ok/p.yaml', '--jobs', '0'], ['run', 'ok/p.yaml', '--set', 'params.nope=1'], ['run', 'ok/p.yaml', 'nostage'], ['frobnicate'], ['run', 'ok/p.yaml', '--bogus']]) {
      const r = await rig.run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(10);
    }
    expect(rig.exists('ok/cache')).toBe(false);
  });
});
