/**
 * The local backend: an attempt is a child process group of pipe, exactly as attempt.ts starts it. pipe picks
 * the devices (admission) and reserves a rendezvous port for the attempt's ranks; nothing outlives pipe, so
 * there is nothing to attach to.
 */
import { loadSpawner, startAttempt } from './attempt.js';
import { visibilityEnv } from './devices.js';
import type { AttemptBackend, Launch, Placement } from './launch/types.js';
import { releasePort, reservePort } from './ports.js';

export const localBackend: AttemptBackend = {
  grantsDevices: false,
  async place(kind, devices): Promise<Placement> {
    const port = await reservePort();
    return {
      env: { PIPE_MASTER_PORT: String(port), MASTER_PORT: String(port), MASTER_ADDR: '127.0.0.1', ...visibilityEnv(kind, devices) },
      port,
      text: `port ${port}`,
      release: () => releasePort(port),
    };
  },
  async start(launch: Launch) {
    await loadSpawner();
    return startAttempt(launch.spec);
  },
};
