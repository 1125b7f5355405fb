/** The observer interface for run output; every hook is optional. */
import type { Progress } from '../../stage-api/types.js';
import type { PlannedEvent, RunSummary, StageFinishedEvent, StageRequeuedEvent, StageStartedEvent } from './events.js';

export interface Logger {
  runStarted?(info: { readonly pipeline: string; readonly store: string; readonly instances: number }): void;
  stageStarted?(event: StageStartedEvent): void;
  stageFinished?(event: StageFinishedEvent): void;
  progress?(event: { readonly stage: string; readonly progress: Progress }): void;
  stageRequeued?(event: StageRequeuedEvent): void;
  info?(message: string): void;
  planned?(event: PlannedEvent): void;
  runFinished?(summary: RunSummary): void;
}

export const silentLogger: Logger = {};
