/** Events the engine emits while planning and running; loggers observe them (log/logger.ts). */
import type { Outcome } from '../cache/journal.js';

export interface StageStartedEvent {
  readonly stage: string;
  readonly key: string;
  readonly attempt: number;
  readonly devices: readonly string[];
  readonly deviceKind: string;
  readonly log: string;
  readonly resume: boolean;
}

export interface StageFinishedEvent {
  readonly stage: string;
  readonly outcome: Outcome;
  readonly key: string;
  readonly out?: string;
  readonly durationMs?: number;
  readonly attempts?: number;
  readonly exitCode?: number | null;
  readonly error?: string;
  readonly log?: string;
  /** Last lines of the log of a failed attempt. */
  readonly tail?: string;
}

/** One line of `pipe run --dry-run`. */
export interface PlannedEvent {
  readonly stage: string;
  readonly key: string;
  readonly verdict: 'hit' | 'miss' | 'stale';
  readonly reasons: readonly string[];
  readonly command: string;
  readonly devices: readonly string[];
  readonly deviceKind: string;
  readonly needs: readonly string[];
}

export interface RunSummary {
  readonly pipeline: string;
  readonly exitCode: number;
  readonly ran: number;
  readonly cached: number;
  readonly failed: number;
  readonly skipped: number;
  readonly interrupted: number;
  readonly durationMs: number;
}
