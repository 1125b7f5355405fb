/** The observer interface for run output; every hook is optional. */
import type { Progress } from '../../stage-api/types.js';
import type { PlannedEvent, RunSummary, StageFinishedEvent, StageStartedEvent } from './events.js';

export interface Logger {
  runStarted?(info: { readonly pipeline: string; readonly store: string; readonly instances: number }): void;
  stageStarted?(event: StageStartedEvent): void;
  stageFinished?(event: StageFinishedEvent): void;
  progress?(event: { readonly stage: string; readonly progress: Progress }): void;
  info?(message: string): void;
  planned?(event: PlannedEvent): void;
  runFinished?(summary: RunSummary): void;
}

/** Fans each event out to several loggers. */
export function combineLoggers(...loggers: Logger[]): Logger {
  return {
    runStarted: (i) => loggers.forEach((l) => l.runStarted?.(i)),
    stageStarted: (e) => loggers.forEach((l) => l.stageStarted?.(e)),
    stageFinished: (e) => loggers.forEach((l) => l.stageFinished?.(e)),
    progress: (e) => loggers.forEach((l) => l.progress?.(e)),
    info: (m) => loggers.forEach((l) => l.info?.(m)),
    planned: (e) => loggers.forEach((l) => l.planned?.(e)),
    runFinished: (s) => loggers.forEach((l) => l.runFinished?.(s)),
  };
}

export const silentLogger: Logger = {};
