/**
 * The message for a stage id or instance name the pipeline does not have (`pipe run FILE STAGE`,
 * `pipe status --why STAGE`): every stage id, one matrix instance as an example of the other form,
 * and the closest name when one is close.
 */
import { suggestion } from '../../util/did-you-mean.js';
import type { InstanceGraph } from './instances.js';

export function unknownStageMessage(name: string, graph: InstanceGraph): string {
  const ids = [...graph.byStage.keys()];
  const example = graph.instances.find((i) => i.name !== i.stage.id)?.name;
  return `unknown stage "${name}": expected one of the stage ids ${ids.join(', ')}` +
    `${example !== undefined ? ` or an instance name such as ${example}` : ''}` +
    `${suggestion(name, [...ids, ...graph.byName.keys()])}`;
}
