/**
 * An attempt's `::pipe::` messages on their way out: progress to the loggers at once and to the journal at most
 * every `progressEveryMs` (the last one when the attempt ends, `flush`), metrics to the journal; and what its
 * backend tells about it (a requeue, the cluster's silence) to the loggers.
 */
import type { PipeMessage } from '../../stage-api/protocol.js';
import type { Progress } from '../../stage-api/types.js';
import type { KeyedInstance } from '../resolve/keys.js';
import { unreachable } from '../../util/unreachable.js';
import type { Execution } from './execution.js';
import type { AttemptNotice } from './launch/types.js';

export class ProgressRelay {
  readonly #ex: Execution;
  readonly #inst: KeyedInstance;
  #lastJournalled = 0;
  #pending: Progress | undefined;

  constructor(ex: Execution, inst: KeyedInstance) {
    this.#ex = ex;
    this.#inst = inst;
  }

  readonly onMessage = (m: PipeMessage): void => {
    const { o } = this.#ex;
    const { name: stage, key } = this.#inst;
    if (m.type === 'progress') {
      const { type: _t, ...p } = m;
      o.logger.progress?.({ stage, progress: p });
      this.#pending = p;
      if (Date.now() - this.#lastJournalled >= this.#ex.progressEveryMs) {
        this.#lastJournalled = Date.now();
        o.journal.append({ t: 'progress', run: o.run, time: this.#ex.now(), stage, key, progress: p });
        this.#pending = undefined;
      }
    } else if (m.type === 'metrics') {
      o.journal.append({ t: 'metrics', run: o.run, time: this.#ex.now(), stage, key, metrics: m.values });
    }
  };

  /** What the backend tells besides messages: a requeue is the instance's event, the backend's own state is told once per run. */
  readonly onNotice = (n: AttemptNotice): void => {
    const { o } = this.#ex;
    switch (n.kind) {
      case 'requeued':
        o.logger.stageRequeued?.({ stage: this.#inst.name, key: this.#inst.key, jobId: n.jobId, restart: n.restart, message: n.message });
        return;
      case 'backend':
        this.#ex.tellOnce(n.message);
        return;
      default:
        unreachable(n);
    }
  };

  /** Journals the progress the interval held back. */
  flush(): void {
    const { o } = this.#ex;
    if (this.#pending !== undefined) o.journal.append({ t: 'progress', run: o.run, time: this.#ex.now(), stage: this.#inst.name, key: this.#inst.key, progress: this.#pending });
    this.#pending = undefined;
  }
}
