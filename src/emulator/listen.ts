/** Starting and stopping a stand-in's server (Graph over http, Key Vault over https). */
import type { Server } from 'node:net';

/** Listens on `host:port` (0: a free port); resolves with the port taken. */
export async function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error(`${what}: no address`);
  return addr.port;
}

/** Closes the server and every connection it holds. */
export async function close(server: (Server & { closeAllConnections(): void }) | null): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
