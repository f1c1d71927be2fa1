import { describe, expect, it } from '@jest/globals';
import {
  buildEvidence,
  diagnose,
  DIAGNOSIS_ORDER,
  MAX_EVIDENCE_CHARS,
  MAX_SCAN_CHARS,
  MAX_SCAN_LINES,
  MAX_SCAN_TOTAL_CHARS,
  sanitizeLogText,
  type DiagnosisId,
  type LogLine,
  type ProviderEvent,
} from '../../../src/diagnose/index.js';

const app = (message: string): LogLine => ({ message, stream: 'app' });
const ids = (messages: string[], events: ProviderEvent[] = []) =>
  diagnose(messages.map(app), events).map((d) => d.id);

const SECRET = 'hunter2-super-secret-token-0123456789';
const redactSecret = (text: string) => text.split(SECRET).join('***');

/**
 * Realistic lines per signature, each with every id it should yield (most causal first). Some lines
 * legitimately show two failures (a SQLite error about a missing table is both).
 */
const CASES: [DiagnosisId, string[], DiagnosisId[]?][] = [
  [
    'sqlite-fallback',
    [
      'Could not connect to PostgreSQL; falling back to local SQLite database',
      'INFO:app.db:Using sqlite:////opt/render/project/src/instance/app.db',
      'INFO  [alembic.runtime.migration] Context impl SQLiteImpl.',
      'Datasource "db": SQLite database "dev.db" at "file:./dev.db"',
      'File "/usr/local/lib/python3.12/site-packages/django/db/backends/sqlite3/base.py", line 328, in execute',
      "[Error: SQLITE_CANTOPEN: unable to open database file] { errno: 14, code: 'SQLITE_CANTOPEN' }",
      'ActiveRecord::StatementInvalid: SQLite3::ReadOnlyException: attempt to write a readonly database',
    ],
  ],
  [
    'sqlite-fallback',
    ['sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: users'],
    ['table-missing', 'sqlite-fallback'],
  ],
  [
    'module-not-found',
    [
      "ModuleNotFoundError: No module named 'psycopg2'",
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express' imported from /opt/render/project/src/server.js",
      "Error: Cannot find module '/app/dist/index.js'",
      'ImportError: No module named flask_sqlalchemy',
      "Module not found: Error: Can't resolve './components/Header' in '/app/src'",
    ],
  ],
  [
    'start-command-not-found',
    [
      'bash: line 1: gunicorn: command not found',
      'npm error Missing script: "start"',
      "python: can't open file '/opt/render/project/src/main.py': [Errno 2] No such file or directory",
      'exec: "uvicorn": executable file not found in $PATH',
      '/bin/sh: 1: next: not found',
      "npm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '/opt/render/project/src/package.json'",
    ],
  ],
  [
    'migration-failed',
    [
      "FAILED: Can't locate revision identified by 'a1b2c3d4e5f6'",
      'alembic.util.exc.CommandError: Target database is not up to date.',
      'Error: P3009 migrate found failed migrations in the target database, new migrations will not be applied.',
      'Error: P3018',
      "django.db.migrations.exceptions.InconsistentMigrationHistory: Migration admin.0001_initial is applied before its dependency accounts.0001_initial on database 'default'.",
      'migration file "20240101_add_users.js" failed',
      'ERROR: Migration of schema "public" to version "2 - add email" failed! Changes successfully rolled back.',
      'StandardError: An error has occurred, this and all later migrations canceled:',
      'Error: Dirty database version 3. Fix and force version.',
    ],
  ],
  [
    'network-unreachable',
    [
      'psycopg2.OperationalError: connection to server at "db.internal" (2600:1f18::1), port 5432 failed: Network is unreachable',
      'Error: connect ENETUNREACH 2a05:d014::1:5432 - Local (:::0)',
      'dial tcp 10.0.0.5:5432: connect: no route to host',
    ],
  ],
  [
    'connection-reset',
    [
      'Error: read ECONNRESET at TCP.onStreamRead (node:internal/stream_base_commons:217:20)',
      'psycopg2.OperationalError: server closed the connection unexpectedly',
      'ConnectionResetError: [Errno 104] Connection reset by peer',
    ],
  ],
  [
    'db-auth-failed',
    [
      'psycopg2.OperationalError: connection to server at "dpg-abc" (10.0.0.3), port 5432 failed: FATAL:  password authentication failed for user "app"',
      'error: password authentication failed for user "postgres"',
      'Error: SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string',
      'MongoServerError: bad auth : Authentication failed.',
      'FATAL:  role "render" does not exist',
      'FATAL:  no pg_hba.conf entry for host "203.0.113.9", user "app", database "app", SSL on',
    ],
  ],
  [
    'db-unclean-shutdown',
    [
      '2024-05-01 12:00:00.000 UTC [29] LOG:  database system was not properly shut down; automatic recovery in progress',
      'LOG:  database system was interrupted; last known up at 2024-05-01 11:58:01 UTC',
    ],
  ],
  [
    'port-not-bound',
    [
      '==> No open ports detected, continuing to scan...',
      "==> Port scan timeout reached, no open ports detected. Bind your service to at least one port. If you don't need to receive traffic on any port, create a background worker instead.",
      'Application failed to respond',
    ],
  ],
  [
    'out-of-memory',
    [
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      'Killed',
      '/bin/sh: line 1:    27 Killed                  npm run build',
      'MemoryError: Unable to allocate 2.00 GiB for an array with shape (268435456,) and data type float64',
      '==> Exited with status 137',
      'error Command failed with signal "SIGKILL".',
      'Out of memory: Killed process 123 (node) total-vm:2048000kB',
      'fatal error: runtime: out of memory',
    ],
  ],
  [
    'missing-env-var',
    [
      "KeyError: 'DATABASE_URL'",
      'error: Environment variable not found: DATABASE_URL.',
      'Error: Missing required environment variable: SECRET_KEY',
      'DATABASE_URL is not set',
    ],
  ],
  [
    'db-ssl-required',
    [
      'FATAL:  no pg_hba.conf entry for host "10.0.0.7", user "app", database "app", SSL off',
      'FATAL:  no pg_hba.conf entry for host "10.0.0.7", user "app", database "app", no encryption',
      'error: SSL/TLS required',
      'Error: self-signed certificate in certificate chain',
    ],
  ],
  ['database-missing', ['FATAL:  database "shop_production" does not exist', "Unknown database 'shop'"]],
  [
    'table-missing',
    ['psycopg2.errors.UndefinedTable: relation "users" does not exist', "Table 'shop.users' doesn't exist"],
  ],
  [
    'disk-full',
    [
      'OSError: [Errno 28] No space left on device',
      'ERROR:  could not extend file "base/16384/16385": wrote only 4096 of 8192 bytes',
      'npm ERR! code ENOSPC',
    ],
  ],
  [
    'port-in-use',
    [
      'Error: listen EADDRINUSE: address already in use :::10000',
      'OSError: [Errno 98] Address already in use',
    ],
  ],
  [
    'db-too-many-connections',
    [
      'FATAL:  sorry, too many clients already',
      'FATAL:  remaining connection slots are reserved for non-replication superuser connections',
    ],
  ],
  [
    'host-not-found',
    [
      'psycopg2.OperationalError: could not translate host name "postgres.railway.internal" to address: Name or service not known',
      'Error: getaddrinfo ENOTFOUND dpg-abc123-a',
      'dial tcp: lookup db on 10.0.0.1:53: no such host',
    ],
  ],
  [
    'db-not-ready',
    [
      'FATAL:  the database system is starting up',
      'psycopg2.OperationalError: FATAL:  the database system is in recovery mode',
    ],
  ],
  [
    'connection-refused',
    [
      'connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused',
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
    ],
  ],
  ['app-crashed', ['==> Exited with status 1', '==> Application exited early']],
  ['pre-deploy-failed', ['==> Pre-deploy has failed', 'pre-deploy command failed with exit code 1']],
  ['healthcheck-failed', ['Healthcheck failed!', '1/1 replicas never became healthy!']],
];

describe('diagnose: signatures', () => {
  const rows = CASES.flatMap(([id, lines, expected]) =>
    lines.map((line) => [id, line, expected ?? [id]] as const),
  );

  it.each(rows)('%s: %s', (_id, line, expected) => {
    expect(ids([line])).toEqual(expected);
  });

  it('has at least two realistic lines for every id it can find in lines alone', () => {
    const counts = new Map<DiagnosisId, number>();
    for (const [id, lines] of CASES) counts.set(id, (counts.get(id) ?? 0) + lines.length);
    // bound-to-localhost needs a second line and is covered below.
    const thin = DIAGNOSIS_ORDER.filter((id) => id !== 'bound-to-localhost' && (counts.get(id) ?? 0) < 2);
    expect(thin).toEqual([]);
  });

  it('describes every diagnosis in plain words with an imperative fix', () => {
    const found = diagnose(CASES.flatMap(([, lines]) => lines).map(app), [
      { step: 'HEALTHCHECK', outcome: 'failed' },
    ]);
    for (const d of found) {
      expect(d.title.length).toBeGreaterThan(10);
      expect(d.explanation.length).toBeGreaterThan(40);
      expect(d.fix).toMatch(/^[A-Z][a-z]+ .+\.$/);
      expect(d.evidence.length).toBeGreaterThan(0);
    }
  });

  it('names the missing variable in the title and the fix', () => {
    const [d] = diagnose([app('Traceback (most recent call last):'), app("KeyError: 'REDIS_URL'")], []);
    expect(d?.id).toBe('missing-env-var');
    expect(d?.title).toBe('The environment variable REDIS_URL is not set');
    expect(d?.fix).toMatch(/^Set REDIS_URL /);
    expect(d?.evidence).toBe("KeyError: 'REDIS_URL'");
  });

  it('tells the SQLite fallback fix in concrete terms', () => {
    const [d] = diagnose([app('falling back to SQLite')], []);
    expect(d?.title).toBe('The app fell back to SQLite');
    expect(d?.fix).toContain('Set DATABASE_URL on the service to the internal PostgreSQL URL');
    expect(d?.fix).toContain('exit instead of falling back');
  });

  it('finds both the cause and the fallback in "DATABASE_URL is not set, falling back to SQLite"', () => {
    expect(ids(['WARNING: DATABASE_URL is not set, falling back to SQLite at sqlite:///./app.db'])).toEqual([
      'missing-env-var',
      'sqlite-fallback',
    ]);
  });

  it('reports a localhost binding only when the platform could not reach the app', () => {
    expect(
      ids([
        'INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)',
        '==> No open ports detected, continuing to scan...',
      ]),
    ).toEqual(['bound-to-localhost', 'port-not-bound']);
    expect(
      ids([
        '[2024-05-01 12:00:00 +0000] [1] [INFO] Listening at: http://127.0.0.1:8000 (1)',
        'Application failed to respond',
      ]),
    ).toEqual(['bound-to-localhost', 'port-not-bound']);
    expect(
      ids(
        ['Starting development server at http://127.0.0.1:8000/'],
        [{ step: 'HEALTHCHECK', outcome: 'FAILED' }],
      ),
    ).toEqual(['bound-to-localhost']);
  });
});

describe('diagnose: lines that must not trip a signature', () => {
  // Judgment: "sqlite" alone is often a harmless dependency name or a negation; only a fallback, a SQLite
  // URL, SQLite errors or SQLite code paths count. Likewise for the other near-misses below.
  it.each([
    'Collecting aiosqlite==0.20.0',
    'added 1 package: better-sqlite3@11.0.0',
    '  - Installing sqlite3 (1.7.3)',
    'Not falling back to SQLite: PostgreSQL is configured',
    'Will never fall back to SQLite in production',
    'SQLite fallback is disabled',
    'SQLite is only used by the test suite',
    'Killed 3 idle connections',
    'Memory usage: 120 MB of 512 MB',
    'Booked a room for 2 guests',
    'Process exited with code 1370 after retry',
    'Operations to perform: Apply all migrations: admin, auth. Running migrations: No migrations to apply.',
    'user p3005 logged in',
    'ID is required',
    'DEBUG not set, using default False',
    'LOG_LEVEL not set, defaulting to info',
    'HTTP 401: bad authorization header',
    '==> Exited with status 0',
    '  ▲ Next.js 14.2.3 - Local: http://localhost:3000',
    'Server listening on http://localhost:3000',
    'GET /api/notes 200 12ms',
  ])('%s', (line) => {
    expect(ids([line])).toEqual([]);
  });

  it('does not read FileNotFoundError as a DNS failure (ENOTFOUND inside a word)', () => {
    expect(ids(["FileNotFoundError: [Errno 2] No such file or directory: 'config.yml'"])).not.toContain(
      'host-not-found',
    );
  });

  it('trusts a line that binds all interfaces over a localhost URL printed beside it', () => {
    expect(
      ids([
        ' * Running on all addresses (0.0.0.0)',
        ' * Running on http://127.0.0.1:10000',
        ' * Running on http://10.0.0.5:10000',
        '==> No open ports detected, continuing to scan...',
      ]),
    ).toEqual(['port-not-bound']);
  });
});

describe('diagnose: events', () => {
  it('finds out-of-memory from an event alone', () => {
    const found = diagnose([], [{ step: 'deploy', outcome: 'failed', detail: 'out of memory (OOM killed)' }]);
    expect(found.map((d) => d.id)).toEqual(['out-of-memory']);
    expect(found[0]?.evidence).toBe('deploy failed: out of memory (OOM killed)');
  });

  it("reads Render's reason.failure.oomKilled", () => {
    expect(ids([], [{ step: 'deploy_ended', outcome: 'failed', detail: 'oomKilled' }])).toEqual([
      'out-of-memory',
    ]);
  });

  it('yields a generic healthcheck-failed for a failed HEALTHCHECK step with no other clue', () => {
    const found = diagnose([app('GET /health 503')], [{ step: 'HEALTHCHECK', outcome: 'FAILED' }]);
    expect(found.map((d) => d.id)).toEqual(['healthcheck-failed']);
    expect(found[0]?.evidence).toBe('HEALTHCHECK FAILED');
  });

  it('drops generic diagnoses when a specific cause is known', () => {
    expect(
      ids(["ModuleNotFoundError: No module named 'flask'"], [{ step: 'HEALTHCHECK', outcome: 'failed' }]),
    ).toEqual(['module-not-found']);
    expect(
      ids(['Healthcheck failed!', '==> Exited with status 1', 'Error: connect ECONNREFUSED 10.0.0.2:5432']),
    ).toEqual(['connection-refused']);
  });

  it('keeps several generic diagnoses when nothing specific is known', () => {
    expect(
      ids(
        [],
        [
          { step: 'pre_deploy', outcome: 'failed' },
          { step: 'deploy', outcome: 'CRASHED' },
          { step: 'HEALTHCHECK', outcome: 'timed out' },
        ],
      ),
    ).toEqual(['app-crashed', 'pre-deploy-failed', 'healthcheck-failed']);
  });

  it('reads crash details and unhealthy reasons', () => {
    expect(ids([], [{ step: 'deploy_ended', outcome: 'failed', detail: 'nonZeroExit: 1' }])).toEqual([
      'app-crashed',
    ]);
    expect(ids([], [{ step: 'deploy_ended', outcome: 'failed', detail: 'unhealthy' }])).toEqual([
      'healthcheck-failed',
    ]);
  });

  it.each([
    [{ step: 'pre-deploy', outcome: 'failed', detail: 'exited with status 1' }, ['pre-deploy-failed']],
    [{ step: 'deploy', outcome: 'failed', detail: 'exited with status 1' }, ['app-crashed']],
    [{ step: 'deploy', outcome: 'failed', detail: 'exited early' }, ['app-crashed']],
    [
      { step: 'deploy', outcome: 'failed', detail: 'out of memory (OOM killed, limit 512Mi)' },
      ['out-of-memory'],
    ],
    [{ step: 'deploy', outcome: 'failed', detail: 'exited with status 137' }, ['out-of-memory']],
    [
      { step: 'deploy', outcome: 'failed', detail: 'unhealthy: health check timed out' },
      ['healthcheck-failed'],
    ],
    [{ step: 'build', outcome: 'failed', detail: 'exited with status 1' }, []],
    [{ step: 'deploy', outcome: 'canceled', detail: 'replaced by a newer deploy' }, []],
  ] as [ProviderEvent, DiagnosisId[]][])('reads the Render client event %j', (event, expected) => {
    expect(ids([], [event])).toEqual(expected);
  });

  it('ignores events that did not fail', () => {
    expect(
      ids(
        [],
        [
          { step: 'HEALTHCHECK', outcome: 'SUCCESS' },
          { step: 'pre_deploy', outcome: 'succeeded' },
          { step: 'BUILD_IMAGE', outcome: 'succeeded', detail: 'built in 42s' },
        ],
      ),
    ).toEqual([]);
  });

  it('runs the line signatures over event details', () => {
    expect(
      ids([], [{ step: 'DEPLOY', outcome: 'failed', detail: 'connect ENETUNREACH fd12::1:5432' }]),
    ).toEqual(['network-unreachable']);
  });

  it('quotes a log line rather than an event when both show the failure', () => {
    const found = diagnose(
      [app('Error: connect ENETUNREACH 2a05:d014::1:5432')],
      [{ step: 'deploy', outcome: 'failed', detail: 'Network is unreachable' }],
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toBe('Error: connect ENETUNREACH 2a05:d014::1:5432');
  });
});

describe('diagnose: order and dedupe', () => {
  it('puts root causes before symptoms whatever the log order', () => {
    expect(
      ids(['Connection reset by peer', 'FATAL:  password authentication failed for user "app"']),
    ).toEqual(['db-auth-failed', 'connection-reset']);
  });

  it('follows DIAGNOSIS_ORDER for any mix of findings', () => {
    const lines = [
      '==> No open ports detected, continuing to scan...',
      'falling back to SQLite',
      'Error: read ECONNRESET',
      'Error: connect ECONNREFUSED 10.0.0.2:5432',
      'Network is unreachable',
      'JavaScript heap out of memory',
      'alembic.util.exc.CommandError: boom',
      "ModuleNotFoundError: No module named 'x'",
      "KeyError: 'DATABASE_URL'",
    ];
    const found = ids(lines);
    expect(found).toEqual([
      'missing-env-var',
      'module-not-found',
      'migration-failed',
      'out-of-memory',
      'network-unreachable',
      'connection-refused',
      'connection-reset',
      'sqlite-fallback',
      'port-not-bound',
    ]);
    expect(ids([...lines].reverse())).toEqual(found);
  });

  it('ranks causes ahead of their symptoms and generic failures last', () => {
    const rank = (id: DiagnosisId) => DIAGNOSIS_ORDER.indexOf(id);
    expect(rank('db-auth-failed')).toBeLessThan(rank('connection-reset'));
    expect(rank('missing-env-var')).toBeLessThan(rank('sqlite-fallback'));
    expect(rank('network-unreachable')).toBeLessThan(rank('sqlite-fallback'));
    expect(rank('bound-to-localhost')).toBeLessThan(rank('port-not-bound'));
    expect(DIAGNOSIS_ORDER.slice(-3)).toEqual(['app-crashed', 'pre-deploy-failed', 'healthcheck-failed']);
    expect(new Set(DIAGNOSIS_ORDER).size).toBe(DIAGNOSIS_ORDER.length);
  });

  it('reports each id once, quoting its first occurrence', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `Error: read ECONNRESET (attempt ${i + 1})`);
    const found = diagnose(lines.map(app), []);
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toBe('Error: read ECONNRESET (attempt 1)');
  });

  it('reports one diagnosis for a line that matches several of its patterns', () => {
    expect(
      ids(['Out of memory: Killed process 1 (node); exit code 137; JavaScript heap out of memory']),
    ).toEqual(['out-of-memory']);
  });
});

describe('diagnose: evidence', () => {
  it('trims the quoted line', () => {
    const [d] = diagnose([app('   \tError: connect ECONNREFUSED 10.0.0.2:5432   ')], []);
    expect(d?.evidence).toBe('Error: connect ECONNREFUSED 10.0.0.2:5432');
  });

  it(`keeps evidence within ${MAX_EVIDENCE_CHARS} characters and shows the match in a long line`, () => {
    const line = `${'request context '.repeat(100)}psycopg2.OperationalError: Network is unreachable ${'x'.repeat(500)}`;
    const [d] = diagnose([app(line)], []);
    expect(d?.id).toBe('network-unreachable');
    expect(d?.evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE_CHARS);
    expect(d?.evidence).toContain('Network is unreachable');
    expect(d?.evidence.startsWith('…')).toBe(true);
    expect(d?.evidence.endsWith('…')).toBe(true);
  });

  it('keeps the start of a long line when the match is near it', () => {
    const [d] = diagnose([app(`Killed ${'x'.repeat(1000)}`), app('Killed')], []);
    expect(d?.evidence).toBe('Killed');
    const [e] = diagnose([app(`Error: read ECONNRESET ${'x'.repeat(1000)}`)], []);
    expect(e?.evidence.startsWith('Error: read ECONNRESET x')).toBe(true);
    expect(e?.evidence).toHaveLength(MAX_EVIDENCE_CHARS);
    expect(e?.evidence.endsWith('…')).toBe(true);
  });

  it.each(['Error: read ECONNRESET ', 'Error: read ECONNRESET: '])(
    'never splits a surrogate pair when it cuts (%j)',
    (prefix) => {
      const [d] = diagnose([app(`${prefix}${'😀'.repeat(400)}`)], []);
      const evidence = d?.evidence ?? '';
      expect(evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE_CHARS);
      expect(evidence.length).toBeGreaterThan(MAX_EVIDENCE_CHARS - 3);
      expect(evidence).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      const [line] = buildEvidence({
        lines: [app(`${prefix}${'😀'.repeat(400)}`)],
        events: [],
        redact: (t) => t,
      }).tail;
      expect(line?.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    },
  );
});

describe('sanitizing', () => {
  it('strips ANSI codes and control characters but keeps tabs', () => {
    expect(sanitizeLogText('\x1b[31;1mERROR\x1b[0m\tdone\x07\x00')).toBe('ERROR\tdone');
    expect(sanitizeLogText('\x1b]8;;https://example.test\x07link\x1b]8;;\x07 \x1b(B\x9b1mbold')).toBe(
      'link bold',
    );
    expect(sanitizeLogText('a\u202eb\u2066c')).toBe('abc');
  });

  it('turns line breaks into spaces so words stay apart', () => {
    expect(sanitizeLogText('Traceback:\r\nModuleNotFoundError\nNo module\rnamed')).toBe(
      'Traceback: ModuleNotFoundError No module named',
    );
  });

  it('matches through ANSI codes and quotes the line without them', () => {
    const found = diagnose([app('\x1b[31mERROR\x1b[0m Network is \x1b[1munreachable\x1b[22m')], []);
    expect(found.map((d) => d.id)).toEqual(['network-unreachable']);
    expect(found[0]?.evidence).toBe('ERROR Network is unreachable');
  });

  it('strips control characters from the tail and the events', () => {
    const evidence = buildEvidence({
      lines: [app('\x1b[32mready\x1b[0m\x08')],
      events: [{ step: 'HEALTH\x1b[0mCHECK', outcome: 'failed', detail: 'line\none' }],
      redact: (t) => t,
    });
    expect(evidence.tail[0]?.message).toBe('ready');
    expect(evidence.events[0]).toEqual({ step: 'HEALTHCHECK', outcome: 'failed', detail: 'line one' });
  });
});

describe('buildEvidence: tail', () => {
  const numbered = (n: number) =>
    Array.from({ length: n }, (_, i): LogLine => ({
      message: `line ${i}`,
      stream: i % 2 ? 'app' : 'build',
      timestamp: `2024-05-01T12:00:${String(i % 60).padStart(2, '0')}Z`,
    }));
  const build = (lines: LogLine[], more: { maxTailLines?: number; maxLineChars?: number } = {}) =>
    buildEvidence({ lines, events: [], redact: (t) => t, ...more });

  it('keeps the last 40 lines by default and says lines were dropped', () => {
    const evidence = build(numbered(100));
    expect(evidence.tail).toHaveLength(40);
    expect(evidence.tail[0]?.message).toBe('line 60');
    expect(evidence.tail[39]).toEqual({
      message: 'line 99',
      stream: 'app',
      timestamp: '2024-05-01T12:00:39Z',
    });
    expect(evidence.truncated).toBe(true);
  });

  it('keeps every line when they fit', () => {
    const evidence = build(numbered(40));
    expect(evidence.tail.map((l) => l.message)).toEqual(numbered(40).map((l) => l.message));
    expect(evidence.truncated).toBe(false);
    expect(build([]).tail).toEqual([]);
    expect(build([]).truncated).toBe(false);
  });

  it('honours maxTailLines, including zero', () => {
    expect(build(numbered(10), { maxTailLines: 3 }).tail.map((l) => l.message)).toEqual([
      'line 7',
      'line 8',
      'line 9',
    ]);
    const none = build(numbered(10), { maxTailLines: 0 });
    expect(none.tail).toEqual([]);
    expect(none.truncated).toBe(true);
  });

  it('caps each message to 500 characters by default, marking the cut', () => {
    const evidence = build([app('x'.repeat(1000)), app('y'.repeat(500))]);
    expect(evidence.tail[0]?.message).toHaveLength(500);
    expect(evidence.tail[0]?.message.endsWith('x…')).toBe(true);
    expect(evidence.tail[1]?.message).toBe('y'.repeat(500));
    expect(build([app('abcdef')], { maxLineChars: 4 }).tail[0]?.message).toBe('abc…');
  });

  it('rejects nonsensical limits', () => {
    expect(() => build([], { maxTailLines: -1 })).toThrow(RangeError);
    expect(() => build([], { maxTailLines: 1.5 })).toThrow(RangeError);
    expect(() => build([], { maxLineChars: 0 })).toThrow(RangeError);
    expect(() => build([], { maxLineChars: Number.NaN })).toThrow(RangeError);
  });
});

describe('buildEvidence: redaction', () => {
  it('redacts before it truncates, so a secret straddling the cut is fully masked', () => {
    // Cut first, and the first ~19 characters of the secret would survive where redact cannot see them.
    const message = `${'x'.repeat(480)}${SECRET} and more text after it ${'z'.repeat(100)}`;
    const [line] = buildEvidence({ lines: [app(message)], events: [], redact: redactSecret }).tail;
    expect(line?.message).toHaveLength(500);
    expect(line?.message).toContain(`${'x'.repeat(480)}***`);
    expect(line?.message).not.toContain(SECRET.slice(0, 6));
  });

  it('masks a secret that an escape code splits in two', () => {
    const message = `token=${SECRET.slice(0, 10)}\x1b[0m${SECRET.slice(10)}`;
    const [line] = buildEvidence({ lines: [app(message)], events: [], redact: redactSecret }).tail;
    expect(line?.message).toBe('token=***');
  });

  it('masks a secret with a line break, which sanitizing would turn into a space', () => {
    const key = 'MIIEvQIBADANBgkqhkiG9w0B\nAQEFAASCBKcwggSjAgEAAoIB';
    const [line] = buildEvidence({
      lines: [app(`loaded key ${key} ok`)],
      events: [],
      redact: (text) => text.split(key).join('***'),
    }).tail;
    expect(line?.message).toBe('loaded key *** ok');
  });

  it('redacts diagnosis evidence, even where the excerpt is cut', () => {
    const lines = [
      app(`FATAL:  password authentication failed for user "app" (url postgres://app:${SECRET}@db:5432/app)`),
      app(`Error: read ECONNRESET ${'x'.repeat(MAX_EVIDENCE_CHARS - 40)}${SECRET}`),
    ];
    const evidence = buildEvidence({ lines, events: [], redact: redactSecret });
    expect(evidence.diagnoses.map((d) => d.id)).toEqual(['db-auth-failed', 'connection-reset']);
    expect(evidence.diagnoses[0]?.evidence).toContain('postgres://app:***@db');
    for (const d of evidence.diagnoses) {
      expect(d.evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE_CHARS);
      expect(d.evidence).not.toContain(SECRET.slice(0, 6));
    }
    // diagnose() alone has no redact: the same evidence there shows the secret, proving the test can fail.
    expect(diagnose(lines, [])[0]?.evidence).toContain(SECRET);
  });

  it('keeps a secret out of the title and the fix when it is the quoted variable name', () => {
    const token = 'SK_LIVE_4F9A8B7C6D5E';
    const redact = (text: string) => text.split(token).join('***');
    const [d] = buildEvidence({ lines: [app(`KeyError: '${token}'`)], events: [], redact }).diagnoses;
    expect(d?.id).toBe('missing-env-var');
    expect(JSON.stringify(d)).not.toContain(token);
    expect(d?.title).toBe('A required environment variable is not set');
    expect(d?.evidence).toBe("KeyError: '***'");
    // Unredacted, the same line names the variable, so the assertion above can fail.
    expect(diagnose([app(`KeyError: '${token}'`)], [])[0]?.title).toContain(token);
  });

  it('redacts events', () => {
    const evidence = buildEvidence({
      lines: [],
      events: [
        { step: 'deploy', outcome: 'failed', detail: `bad token ${SECRET}`, at: '2024-05-01T12:00:00Z' },
      ],
      redact: redactSecret,
    });
    expect(evidence.events).toEqual([
      { step: 'deploy', outcome: 'failed', detail: 'bad token ***', at: '2024-05-01T12:00:00Z' },
    ]);
  });

  it('diagnoses from the whole log, not only the tail', () => {
    const lines = [
      app('FATAL:  the database system is starting up'),
      ...Array.from({ length: 60 }, () => app('tick')),
    ];
    const evidence = buildEvidence({ lines, events: [], redact: (t) => t });
    expect(evidence.tail.some((l) => l.message.includes('starting up'))).toBe(false);
    expect(evidence.diagnoses.map((d) => d.id)).toEqual(['db-not-ready']);
  });
});

describe('limits and speed', () => {
  it(`scans only the last ${MAX_SCAN_LINES} lines`, () => {
    const filler = Array.from({ length: MAX_SCAN_LINES }, (_, i) => `GET /api/notes/${i} 200`);
    expect(ids(['Network is unreachable', ...filler])).toEqual([]);
    expect(ids(['Network is unreachable', ...filler.slice(1)])).toEqual(['network-unreachable']);
  });

  it(`looks only at the first ${MAX_SCAN_CHARS} characters of a line`, () => {
    expect(ids([`${'x '.repeat(2250)}Network is unreachable`])).toEqual([]);
    expect(ids([`${'x '.repeat(1500)}Network is unreachable`])).toEqual(['network-unreachable']);
  });

  it(`scans at most ${MAX_SCAN_TOTAL_CHARS} characters, newest lines first`, () => {
    const full = 'y'.repeat(MAX_SCAN_CHARS);
    const fits = MAX_SCAN_TOTAL_CHARS / MAX_SCAN_CHARS - 1;
    const oldest = `Network is unreachable ${full}`;
    expect(ids([oldest, ...Array.from({ length: fits }, () => full)])).toEqual(['network-unreachable']);
    expect(ids([oldest, ...Array.from({ length: fits + 1 }, () => full)])).toEqual([]);
  });

  it('diagnoses 10,000 ordinary lines in well under a second', () => {
    const lines = Array.from({ length: MAX_SCAN_LINES }, (_, i) =>
      app(
        `2024-05-01T12:00:00.${i}Z INFO [app] GET /api/notes/${i} 200 12ms user=${i} request_id=req-${i} ` +
          `Traceback at /usr/lib/python3/site-packages/app/views.py line ${i}`,
      ),
    );
    lines[MAX_SCAN_LINES - 1] = app('FATAL:  password authentication failed for user "app"');
    const started = performance.now();
    const evidence = buildEvidence({ lines, events: [], redact: redactSecret });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(evidence.diagnoses.map((d) => d.id)).toEqual(['db-auth-failed']);
  });

  it('stays fast on adversarial lines full of near-matches', () => {
    const nearMisses = [
      'password authentication faile',
      'falling back to sqlit',
      'listening on localhos',
      'exit 13',
      'role "x" does not exis',
      "KeyError: 'A",
      '\x1b[0000',
      '\x1b]',
      ' 1 Kille',
      'p30x',
    ].join(' ');
    const hostile = [
      'a'.repeat(100_000) + nearMisses.repeat(2_000),
      `${'A_'.repeat(50_000)} is not se`,
      `\x1b[${'0'.repeat(100_000)}`,
      `${'1'.repeat(100_000)} Kille`,
    ];
    const started = performance.now();
    expect(ids(hostile)).toEqual([]);
    const block = nearMisses.repeat(Math.ceil(MAX_SCAN_CHARS / nearMisses.length)).slice(0, MAX_SCAN_CHARS);
    expect(ids(Array.from({ length: MAX_SCAN_LINES }, () => block))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('copes with provider fields that are not strings', () => {
    const lines = [
      { message: undefined, stream: 'app' },
      { message: 42, stream: 'app' },
    ] as unknown as LogLine[];
    const events = [{ step: 'HEALTHCHECK', outcome: null }] as unknown as ProviderEvent[];
    expect(diagnose(lines, events)).toEqual([]);
    expect(buildEvidence({ lines, events, redact: (t) => t }).tail.map((l) => l.message)).toEqual(['', '42']);
  });
});
