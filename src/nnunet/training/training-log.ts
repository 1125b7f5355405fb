/**
 * The training log (reference: fold_k/training_log_*.txt): one line per record, `<time>: <message>`,
 * appended durably to the workspace so that every attempt of a resumed run adds to the same file.
 */
import { join } from 'node:path';
import { pythonTimestamp } from '../evaluation/timestamp.js';
import { appendDurable } from '../../util/fs.js';

export const TRAINING_LOG = 'training_log.txt';

export class TrainingLog {
  readonly path: string;
  constructor(dir: string, private readonly echo?: (message: string) => void) {
    this.path = join(dir, TRAINING_LOG);
  }
  write(message: string, echo = true): void {
    appendDurable(this.path, `${pythonTimestamp()}: ${message}\n`, false);
    if (echo) this.echo?.(message);
  }
}
