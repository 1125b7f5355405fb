/** The local backend: an attempt is a child process group of pipe, exactly as attempt.ts starts it. */
import { loadSpawner, startAttempt } from './attempt.js';
import type { AttemptBackend, Launch } from './launch/types.js';

export const localBackend: AttemptBackend = {
  kind: 'local',
  async start(launch: Launch) {
    await loadSpawner();
    return startAttempt(launch.spec);
  },
};
