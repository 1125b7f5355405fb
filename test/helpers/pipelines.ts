/** Pipelines used by the end-to-end tests. */

/** Five stages, a five-fold matrix: convert -> plan -> train[fold] -> validate[fold] -> report (13 instances). */
export function fiveStage(opts: { batchSize?: number; devices?: number; note?: string; keyed?: boolean } = {}): string {
  return `# A five-stage test pipeline
name: five
params:
  batch_size: ${opts.batchSize ?? 2}
  note: ${opts.note ?? 'hello'}
stages:
  convert:
    run: node $FIXTURES/step.mjs convert data.txt converted --from input.txt
    inputs: [input.txt]
    outputs: [data.txt]
  plan:
    run: node $FIXTURES/step.mjs plan plan.txt "plan \${params.note}" --from \${stages.convert.out}/data.txt
    needs: [convert]
  train:
    run: node $FIXTURES/step.mjs "train[\${matrix.fold}]" model.txt "bs=\${params.batch_size} fold=\${matrix.fold} n=\${resources.devices}" --from \${stages.plan.out}/plan.txt
    needs: [plan]
    matrix:
      fold: [0, 1, 2, 3, 4]
    resources: {devices: ${opts.devices ?? 1}, device: cpu${opts.keyed ? ', keyed: true' : ''}}
  validate:
    run: node $FIXTURES/step.mjs "validate[\${matrix.fold}]" val.txt "val \${matrix.fold}" --from \${stages.train.out}/model.txt val.cfg
    needs: [train]
    inputs: [val.cfg]
    matrix:
      fold: [0, 1, 2, 3, 4]
  report:
    run: 'echo report >> calls.log; for d in \${stages.validate.out}; do cat "$d/val.txt"; done > \${out}/report.txt'
    needs: [validate]
    outputs: [report.txt]
`;
}
