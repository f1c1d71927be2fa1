/**
 * A throwaway PostgreSQL for the demo and tests: PGlite (Postgres compiled to WebAssembly) in memory, served
 * over the wire protocol so the example service reaches it through `pg` exactly as it would a real server.
 *
 * Run directly (`node examples/service/embedded-postgres.mjs`, optional PORT and HOST) it prints
 * `embedded-postgres ready <url>` and serves until SIGTERM or SIGINT.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * PGLiteSocketServer accepts ONE connection by default and turns away the next with a plain-text "Too many
 * connections" that `pg` reports only as "Connection terminated unexpectedly". With that default, a new
 * release starting while the old one still holds its connection would silently fall back to SQLite, and a
 * test could not inspect the table while the service runs. Extra clients share PGlite's single session
 * through the server's message queue (an open transaction keeps it to its client), which is enough for a
 * few light clients but is not real session isolation.
 */
const MAX_CONNECTIONS = 8;

/**
 * @param {{ port?: number, host?: string }} [options] port 0 picks a free port.
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({ port = 0, host = '127.0.0.1' } = {}) {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port, host, maxConnections: MAX_CONNECTIONS });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  // getServerConn() is the only public way to learn the port the OS picked for port 0.
  const boundPort = Number(server.getServerConn().split(':').pop());
  return {
    url: `postgres://postgres:postgres@${host}:${boundPort}/postgres?sslmode=disable`,
    port: boundPort,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

const runDirectly = process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (runDirectly) {
  const { url, stop } = await startEmbeddedPostgres({
    port: Number(process.env.PORT ?? 0),
    host: process.env.HOST || '127.0.0.1',
  });
  console.log(`embedded-postgres ready ${url}`);
  const shutdown = () => stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
