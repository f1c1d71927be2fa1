import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import pg from 'pg';

/**
 * @typedef {object} Note
 * @property {string} id
 * @property {string} text
 * @property {string} createdAt ISO 8601.
 */

/**
 * @typedef {object} Store
 * @property {'postgresql' | 'sqlite'} type What /health reports as database.type.
 * @property {(text: string) => Promise<Note>} create
 * @property {(id: string) => Promise<Note | null>} get
 * @property {(id: string) => Promise<boolean>} remove Whether a note was deleted.
 * @property {() => Promise<Note[]>} list Oldest first.
 * @property {() => Promise<void>} close
 */

/** Connecting to an unreachable host must not stall startup: the fallback below is the point. */
const CONNECT_TIMEOUT_MS = 3000;

/**
 * Opens PostgreSQL when a URL is given, else the embedded store.
 *
 * A failed PostgreSQL connection falls back to the embedded store with a single stderr line and no other
 * trace: this is field failure F1 reproduced on purpose, a service that says "ok" while writing to a local
 * file that the next deploy throws away.
 *
 * @param {{ databaseUrl?: string, dataFile?: string, ephemeral: boolean }} options
 * @returns {Promise<Store>}
 */
export async function openStore({ databaseUrl, dataFile, ephemeral }) {
  if (databaseUrl) {
    try {
      return await openPostgresStore(databaseUrl, ephemeral);
    } catch (error) {
      console.error(
        `database connection failed (${describeError(error)}); falling back to SQLite at ${dataFile ?? ':memory:'}`,
      );
    }
  }
  return openEmbeddedStore(dataFile, ephemeral);
}

/**
 * @param {string} databaseUrl
 * @param {boolean} ephemeral
 * @returns {Promise<Store>}
 */
async function openPostgresStore(databaseUrl, ephemeral) {
  // One connection is all the service needs, and the embedded demo server (PGlite) is single-session anyway.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 1,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => console.error(`database connection lost (${describeError(error)})`));
  try {
    await pool.query(
      'CREATE TABLE IF NOT EXISTS notes (id text PRIMARY KEY, text text NOT NULL, created_at timestamptz DEFAULT now())',
    );
    if (ephemeral) await pool.query('TRUNCATE notes');
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  /** @param {{ id: string, text: string, created_at: Date }} row */
  const toNote = (row) => ({ id: row.id, text: row.text, createdAt: row.created_at.toISOString() });

  return {
    type: 'postgresql',
    async create(text) {
      const { rows } = await pool.query('INSERT INTO notes (id, text) VALUES ($1, $2) RETURNING *', [
        randomUUID(),
        text,
      ]);
      return toNote(rows[0]);
    },
    async get(id) {
      const { rows } = await pool.query('SELECT * FROM notes WHERE id = $1', [id]);
      return rows.length > 0 ? toNote(rows[0]) : null;
    },
    async remove(id) {
      const { rowCount } = await pool.query('DELETE FROM notes WHERE id = $1', [id]);
      return rowCount === 1;
    },
    async list() {
      const { rows } = await pool.query('SELECT * FROM notes ORDER BY created_at, id');
      return rows.map(toNote);
    },
    close: () => pool.end(),
  };
}

/**
 * The "SQLite" of this example: notes in memory, mirrored to a JSON file when one is given. It only has to
 * behave like a local database file: survive a process restart, and be lost with the machine.
 *
 * @param {string | undefined} dataFile
 * @param {boolean} ephemeral
 * @returns {Store}
 */
function openEmbeddedStore(dataFile, ephemeral) {
  /** @type {Map<string, Note>} */
  const notes = new Map();
  if (dataFile && !ephemeral && existsSync(dataFile)) {
    /** @type {{ notes: Note[] }} */
    const saved = JSON.parse(readFileSync(dataFile, 'utf8'));
    for (const note of saved.notes) notes.set(note.id, note);
  }

  const save = () => {
    if (!dataFile) return;
    // Synchronous on purpose: writes cannot interleave, and rename makes each one atomic, so a crash or a
    // SIGKILL mid-write never leaves a half-written file for the next start to choke on.
    const temp = `${dataFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ notes: [...notes.values()] }, null, 2));
    renameSync(temp, dataFile);
  };
  if (ephemeral) save();

  return {
    type: 'sqlite',
    async create(text) {
      const note = { id: randomUUID(), text, createdAt: new Date().toISOString() };
      notes.set(note.id, note);
      save();
      return note;
    },
    async get(id) {
      return notes.get(id) ?? null;
    },
    async remove(id) {
      const removed = notes.delete(id);
      if (removed) save();
      return removed;
    },
    async list() {
      return [...notes.values()];
    },
    async close() {},
  };
}

/**
 * A one-line reason for a connection error. Connecting to "localhost" can fail with an AggregateError (one
 * attempt per address family) whose own message is empty, which would make the fallback line useless.
 *
 * @param {unknown} error
 * @returns {string}
 */
export function describeError(error) {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map(describeError).join('; ');
  }
  if (error instanceof Error) {
    return error.message || /** @type {{ code?: string }} */ (error).code || error.name;
  }
  return String(error);
}
