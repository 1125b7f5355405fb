/**
 * Rendezvous ports: the OS picks a free port (listen on 0), and the engine keeps every port it handed
 * to a running instance reserved, so two instances started together never get the same one.
 */
import { createServer } from 'node:net';

const reserved = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function reservePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await probe();
    if (!reserved.has(port)) {
      reserved.add(port);
      return port;
    }
  }
  throw new Error('Internal error: no free TCP port found for rendezvous');
}

export function releasePort(port: number): void {
  reserved.delete(port);
}
