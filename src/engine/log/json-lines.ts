/**
 * `--json`: one JSON object per line on stdout, e.g. {"event":"stage-finished","stage":...}. A finished
 * instance's `failure` comes as the object and, as before it existed, as `error` text.
 */
import { failureText } from './failure-text.js';
import type { Logger } from './logger.js';

export function jsonLogger(out: NodeJS.WritableStream = process.stdout): Logger {
  const w = (o: object): void => {
    out.write(`${JSON.stringify(o)}\n`);
  };
  return {
    runStarted: (i) => w({ event: 'run-started', ...i }),
    stageStarted: (e) => w({ event: 'stage-started', ...e }),
    stageFinished: (e) => w({ event: 'stage-finished', ...e, ...(e.failure !== undefined ? { error: failureText(e.failure) } : {}) }),
    progress: (e) => w({ event: 'stage-progress', ...e }),
    stageRequeued: (e) => w({ event: 'stage-requeued', ...e }),
    info: (message) => w({ event: 'info', message }),
    planned: (e) => w({ event: 'planned', ...e }),
    runFinished: (s) => w({ event: 'run-finished', ...s }),
  };
}
