/**
 * The runner's watchdog: a small detached process (`node dist/engine/exec/watchdog.js STORE RUN PID START`)
 * started with the first stage of a run. Every 500 ms it checks that the runner (pid + start time)
 * lives; when the runner is gone without having closed its run in the journal (kill -9, OOM killer),
 * it ends the run's stage process groups and records them as interrupted, so no stage outlives
 * `pipe` for more than about a second plus the kill grace. The next run's sweep is the second line
 * of defence (the watchdog itself can be killed too).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Journal } from '../cache/journal.js';
import { isProcessAlive } from '../../util/process-info.js';
import { sweepLeftovers } from './sweep.js';

const POLL_MS = 500;

/** Starts the watchdog for this runner; returns a function that stops it. */
export function startWatchdog(journalPath: string, run: string, pidStart: string | undefined, graceMs: number): () => void {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), journalPath, run, String(process.pid), pidStart ?? '', String(graceMs)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return () => {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
}

async function watch(journalPath: string, run: string, pid: number, pidStart: string | undefined, graceMs: number): Promise<void> {
  while (isProcessAlive(pid, pidStart)) await new Promise((r) => setTimeout(r, POLL_MS));
  const journal = new Journal(journalPath);
  const records = journal.read();
  if (records.some((r) => r.t === 'run-end' && r.run === run)) return;
  await sweepLeftovers(journal, graceMs, records, run);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [journalPath, run, pid, pidStart, grace] = process.argv.slice(2);
  if (journalPath && run && pid) {
    process.on('SIGTERM', () => process.exit(0));
    await watch(journalPath, run, Number(pid), pidStart || undefined, Number(grace ?? 5000));
  }
}
