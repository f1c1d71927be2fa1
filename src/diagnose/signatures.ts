/** The catalog of known failure signatures, most causal first. */
import {
  alembicFailedLine,
  anyOf,
  anyWord,
  exitedNonZero,
  listenTarget,
  missingEnvVar,
  outOfMemory,
  pattern,
  sequence,
  unless,
  when,
  type Matcher,
} from './matching.js';
import type { DiagnosisId } from './types.js';
// ---------------------------------------------------------------------------------------------------------
// The catalog

/** A provider event, lower-cased, as the event matchers see it. */
export interface EventView {
  step: string;
  outcome: string;
  detail: string;
}
export type EventMatcher = (event: EventView) => boolean;

const FAILED_OUTCOMES = ['fail', 'error', 'crash', 'timeout', 'timed out', 'timed_out', 'unhealthy', 'oom'];
const isFailure = (outcome: string) => FAILED_OUTCOMES.some((word) => outcome.includes(word));

export interface Signature {
  id: DiagnosisId;
  /**
   * Generic signatures only say *that* something failed. They are reported only when nothing more specific
   * was found, so "health check failed" never crowds out the reason it failed.
   */
  generic?: boolean;
  /**
   * Lower-case substrings of which every line matcher needs at least one: a cheap gate, so most log lines
   * cost a few `includes` instead of every matcher.
   */
  keys: string[];
  /** Tried on every scanned log line and on each event's text. */
  lines: Matcher[];
  /** Tried on the structured fields of each event. */
  events?: EventMatcher[];
  /** Event steps (lower-case substrings) this signature does not apply to at all. */
  notForSteps?: string[];
  describe: (name: string | undefined) => { title: string; explanation: string; fix: string };
}

/** Ordered by how causal a signature is: root causes first, then symptoms, then generic failures. */
export const SIGNATURES: readonly Signature[] = [
  {
    id: 'missing-env-var',
    keys: ['keyerror', 'env', 'not set', 'not defined', 'must be', 'required', 'missing', 'undefined'],
    lines: missingEnvVar,
    describe: (name) => ({
      title: name
        ? `The environment variable ${name} is not set`
        : 'A required environment variable is not set',
      explanation: `The app needs ${name ?? 'an environment variable'} at startup and it was not set on the service, so the app crashed or fell back to a default.`,
      fix: `Set ${name ?? 'the missing variable'} in the service's environment settings on Render or Railway, then redeploy.`,
    }),
  },
  {
    id: 'db-auth-failed',
    keys: ['authentication', 'access denied', 'client password', 'role "', 'pg_hba'],
    lines: [
      anyOf(
        'password authentication failed',
        'access denied for user',
        'authentication failed for user',
        'sasl authentication failed',
        'client password must be a string',
      ),
      // MongoDB's "bad auth : Authentication failed", not an HTTP "bad authorization header".
      sequence(['bad auth'], ['authentication failed'], 6),
      sequence(['role "'], ['" does not exist'], 80),
      unless(anyOf('no pg_hba.conf entry'), 'ssl off', 'no encryption'),
    ],
    describe: () => ({
      title: 'The database rejected the login',
      explanation:
        'The database is reachable but refused the user, password or client address in the connection URL, so every query fails.',
      fix: "Copy the current connection URL from the database's dashboard into DATABASE_URL (credentials change when a database is recreated or its password rotated), then redeploy.",
    }),
  },
  {
    id: 'db-ssl-required',
    keys: ['pg_hba', 'ssl', 'certificate'],
    lines: [
      sequence(['pg_hba.conf'], ['ssl off', 'no encryption'], 200),
      anyOf(
        'ssl connection is required',
        'ssl/tls required',
        'ssl is required',
        'ssl required',
        'requires ssl',
        'server does not support ssl',
        'self-signed certificate',
        'self signed certificate',
        'unable to verify the first certificate',
        'unable to get local issuer certificate',
        'certificate verify failed',
      ),
    ],
    describe: () => ({
      title: 'A connection failed on its SSL settings',
      explanation:
        "The app and a server it connects to (usually the database) disagree about SSL: the server requires encryption the client did not use, or the client could not verify the server's certificate.",
      fix: "Enable SSL in the client the way the provider documents it (e.g. add `sslmode=require` to DATABASE_URL, or set the driver's `ssl` option) and trust the provider's certificate, then redeploy.",
    }),
  },
  {
    id: 'database-missing',
    keys: ['database'],
    lines: [sequence(['database "'], ['" does not exist'], 120), anyOf('unknown database')],
    describe: () => ({
      title: 'The database named in the URL does not exist',
      explanation:
        'The server accepted the connection, but the database name in the URL does not exist on it, so the app cannot open it.',
      fix: "Fix the database name at the end of DATABASE_URL (copy the URL from the database's dashboard), or create that database, then redeploy.",
    }),
  },
  {
    id: 'module-not-found',
    keys: ['module', 'package', 'resolve', 'such file'],
    lines: [
      anyOf(
        'modulenotfounderror',
        'no module named',
        'cannot find module',
        'cannot find package',
        "module not found: error: can't resolve",
        "module not found: can't resolve",
        'failed to resolve import',
        'cannot load such file',
        'no required module provides package',
      ),
      anyWord('err_module_not_found'),
    ],
    describe: () => ({
      title: 'A module could not be found',
      explanation:
        'The app or its build imports code that is not in the deployed build: a dependency missing from the manifest, a build that ran in the wrong directory, or an entry file the start command names that was never built.',
      fix: "Add the module to requirements.txt or package.json `dependencies` (not devDependencies), check the service's root directory and build command, and run the start command from a clean checkout to confirm.",
    }),
  },
  {
    id: 'start-command-not-found',
    keys: ['not found', 'missing script', 'package.json', "can't open file"],
    lines: [
      anyOf(
        'command not found',
        'executable file not found',
        'missing script',
        'could not read package.json',
        "can't open file",
      ),
      sequence(['sh:'], [': not found'], 80),
      sequence(['enoent'], ['package.json'], 120),
    ],
    describe: () => ({
      title: 'The start command could not run',
      explanation:
        'The command that starts the app, or a file it names, does not exist in the deployed build, so the process exits before serving anything.',
      fix: "Compare the service's start command and root directory with the repository (the npm script exists, the binary is installed by the build command, the path is relative to the root directory), then redeploy.",
    }),
  },
  {
    id: 'migration-failed',
    keys: ['migrat', 'alembic', 'flyway', 'p30', 'failed:', 'dirty database', 'shadow database'],
    lines: [
      anyOf(
        'alembic.util.exc',
        'migration failed',
        'migrations failed',
        'migration has failed',
        'failed to run migration',
        'failed to apply migration',
        'failed to migrate',
        'migrate failed',
        'error running migration',
        'error during migration',
        'error while running migration',
        'error applying migration',
        'migration error',
        'migrate found failed migrations',
        'failed to apply cleanly to the shadow database',
        'migrations have failed validation',
        'later migrations canceled',
        'pendingmigrationerror',
        'django.db.migrations.exceptions',
        'inconsistentmigrationhistory',
        'conflicting migrations detected',
        'flywayexception',
        'flywaymigrateexception',
        'flywayvalidateexception',
        'dirty database version',
      ),
      sequence(['error'], ['alembic.util.messaging'], 20),
      sequence(['migration file'], ['failed'], 120),
      sequence(['migration of schema'], ['failed'], 120),
      // Prisma Migrate's error codes are P3000–P3022; the context keeps an ID like `p3001` from matching.
      when(pattern(/\bp30[0-2]\d\b/), 'error', 'migrat'),
      alembicFailedLine,
    ],
    describe: () => ({
      title: 'A database migration failed',
      explanation:
        'The migration step errored, so the new release did not go live or runs against a schema it does not expect; on Render a failed pre-deploy command leaves the previous deploy serving.',
      fix: 'Reproduce the migration against a copy of the production database, fix it or mark a half-applied one resolved (e.g. `alembic stamp`, `prisma migrate resolve`), then redeploy.',
    }),
  },
  {
    id: 'table-missing',
    keys: ['does not exist', "doesn't exist", 'no such table', 'undefinedtable'],
    lines: [
      sequence(['relation "'], ['" does not exist'], 120),
      sequence(["table '"], ["' doesn't exist"], 120),
      anyOf('no such table', 'undefinedtable'),
    ],
    describe: () => ({
      title: 'A database table is missing',
      explanation:
        'The app queried a table the database does not have: migrations did not run, or the app is connected to a different or freshly created (empty) database.',
      fix: 'Run the migrations as part of the deploy (Render pre-deploy command or Railway pre-deploy step) and check that DATABASE_URL points at the database that holds the data, then redeploy.',
    }),
  },
  {
    id: 'out-of-memory',
    keys: ['memory', 'heap limit', 'oom', 'enomem', 'killed', '137', 'sigkill'],
    lines: [
      ...outOfMemory,
      // Cloud Run's system log: "Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing …".
      sequence(['memory limit of'], ['exceeded with'], 24),
    ],
    describe: () => ({
      title: 'The process ran out of memory',
      explanation:
        'The build or the app used more memory than the instance allows and was killed (exit 137, OOM); it will keep failing at the same point.',
      fix: 'Lower memory use (fewer workers, `NODE_OPTIONS=--max-old-space-size` below the instance limit, smaller batches) or move the service to an instance type with more RAM, then redeploy.',
    }),
  },
  {
    id: 'disk-full',
    keys: ['space left', 'disk', 'extend file', 'enospc'],
    lines: [
      anyOf(
        'no space left on device',
        'disk quota exceeded',
        'could not extend file',
        'disk is full',
        'disk full',
      ),
      anyWord('enospc'),
    ],
    describe: () => ({
      title: 'The disk is full',
      explanation:
        'A write failed because the disk or volume has no space left, so the app or the database cannot store new data.',
      fix: 'Free space on, or enlarge, the disk or volume attached to the service (or the database’s storage), then redeploy.',
    }),
  },
  {
    id: 'bound-to-localhost',
    keys: ['127.0.0.1', 'localhost', '[::1]'],
    lines: [
      ({ lc }) => {
        const target = listenTarget(lc);
        return target?.kind === 'loopback' ? { index: target.index } : undefined;
      },
    ],
    describe: () => ({
      title: 'The app listens on localhost only',
      explanation:
        'The server bound to 127.0.0.1/localhost, which cannot be reached from outside its container, so the platform could not reach it.',
      fix: 'Bind to 0.0.0.0 and the PORT environment variable (e.g. `uvicorn app:app --host 0.0.0.0 --port $PORT`, `gunicorn -b 0.0.0.0:$PORT`, `app.listen(process.env.PORT, "0.0.0.0")`), then redeploy.',
    }),
  },
  {
    id: 'port-in-use',
    keys: ['in use', 'already allocated', 'eaddrinuse'],
    lines: [
      anyOf('address already in use', 'port is already allocated', 'port already in use'),
      anyWord('eaddrinuse'),
    ],
    describe: () => ({
      title: 'The port was already in use',
      explanation:
        'The app tried to listen on a port that another process in the same container already holds, usually because the server is started twice.',
      fix: 'Start exactly one server on $PORT: check the start command and any second `listen()` or worker that binds the same port, then redeploy.',
    }),
  },
  {
    id: 'db-unclean-shutdown',
    keys: ['database system', 'automatic recovery'],
    lines: [
      anyOf(
        'database system was not properly shut down',
        'database system was interrupted',
        'automatic recovery in progress',
      ),
    ],
    describe: () => ({
      title: 'The database was not shut down cleanly',
      explanation:
        'PostgreSQL was stopped abruptly (a crash, an OOM kill or a forced restart) and replays its log before accepting connections; if it repeats, the database instance itself is unhealthy.',
      fix: "Check the database's own logs and metrics for crashes and memory or disk pressure, and give it more memory or disk if it keeps restarting, then redeploy.",
    }),
  },
  {
    id: 'db-too-many-connections',
    keys: ['too many', 'connection slots', 'connection limit'],
    lines: [
      anyOf(
        'too many clients already',
        'remaining connection slots are reserved',
        'too many connections',
        'connection limit exceeded',
      ),
    ],
    describe: () => ({
      title: 'The database has no free connections',
      explanation:
        'The database refused new connections because its limit was reached, often because old and new instances both hold full pools during a deploy.',
      fix: "Lower the app's pool size so every instance and worker fits under the database's max_connections, or put a pooler such as PgBouncer in front of it, then redeploy.",
    }),
  },
  {
    id: 'host-not-found',
    keys: ['host', 'name or service', 'name resolution', 'servname', 'enotfound', 'eai_again', 'getaddrinfo'],
    lines: [
      anyOf(
        'could not translate host name',
        'name or service not known',
        'temporary failure in name resolution',
        'nodename nor servname provided',
        'no such host',
        'getaddrinfo failed',
        'unknownhostexception',
      ),
      anyWord('enotfound', 'eai_again'),
    ],
    describe: () => ({
      title: 'A host name could not be resolved',
      explanation:
        'A DNS lookup failed for a host the app connects to: the name is misspelled, belongs to a deleted service, or is a private name (e.g. `*.railway.internal` or a Render internal host) that this service cannot resolve.',
      fix: "Copy the host from the target's dashboard into the connection URL; use internal host names only from services in the same project and region, then redeploy.",
    }),
  },
  {
    id: 'network-unreachable',
    keys: ['unreach', 'no route'],
    lines: [
      anyOf('network is unreachable', 'network unreachable', 'no route to host'),
      anyWord('enetunreach', 'ehostunreach'),
    ],
    describe: () => ({
      title: 'A dependency is unreachable over the network',
      explanation:
        'The app could not route to a host it needs, usually the database: a wrong host or port, an IPv6 address where only IPv4 works (or the reverse), a private network this service is not on, or an external URL used without SSL.',
      fix: "Check the host and port in DATABASE_URL against the database's dashboard, use its internal URL from a service on the same private network (allowing IPv6 where the provider's private network uses it), and require SSL on external URLs, then redeploy.",
    }),
  },
  {
    id: 'db-not-ready',
    keys: ['database system'],
    lines: [
      anyOf(
        'database system is starting up',
        'database system is in recovery mode',
        'database system is shutting down',
      ),
    ],
    describe: () => ({
      title: 'The database was not ready',
      explanation:
        'PostgreSQL answered that it is starting up, shutting down or recovering, so the queries the app sent in that window failed.',
      fix: "Make the app retry its database connection with backoff at startup and report unhealthy until it connects; if this persists, check the database's status on the provider.",
    }),
  },
  {
    id: 'connection-refused',
    keys: ['refused'],
    lines: [anyOf('connection refused'), anyWord('econnrefused')],
    describe: () => ({
      title: 'A connection was refused',
      explanation:
        'Nothing was listening at the host and port the app connected to: the dependency is down or still starting, or the URL points at localhost, which inside the container is the app itself.',
      fix: "Point the connection URL at the dependency's internal host and port (never localhost on Render or Railway) and check that the dependency is running, then redeploy.",
    }),
  },
  {
    id: 'connection-reset',
    keys: [
      'reset',
      'closed the connection',
      'hang up',
      'forcibly closed',
      'ssl syscall',
      'closed unexpectedly',
    ],
    lines: [
      anyOf(
        'connection reset',
        'server closed the connection unexpectedly',
        'socket hang up',
        'connection was forcibly closed',
        'ssl syscall error',
        'ssl connection has been closed unexpectedly',
      ),
      anyWord('econnreset'),
    ],
    describe: () => ({
      title: 'A connection was reset',
      explanation:
        'A server closed an open connection abruptly: the database or an upstream restarted, dropped an idle connection, or rejected the connection at the SSL handshake.',
      fix: "Check whether the database restarted at that time, enable SSL if the server requires it, and make the app's pool test connections before use and retry (e.g. SQLAlchemy `pool_pre_ping=True`), then redeploy.",
    }),
  },
  {
    id: 'sqlite-fallback',
    keys: ['sqlite'],
    lines: [
      // "Falling back to local SQLite", but not "not falling back to SQLite" or "SQLite fallback disabled".
      unless(
        sequence(
          [
            'falling back',
            'fall back',
            'fell back',
            'fallback',
            'defaulting to',
            'default to',
            'reverting to',
          ],
          ['sqlite'],
          40,
        ),
        'not fall',
        "n't fall",
        'never fall',
        'without falling',
        'no fallback',
        'refusing to fall',
        'fallback disabled',
        'fallback is disabled',
      ),
      unless(anyOf('using sqlite'), 'not using sqlite'),
      // A SQLite URL, SQLite errors and SQLite code paths in a stack trace all mean SQLite is in use.
      anyOf(
        'sqlite://',
        'sqlite3::',
        'sqlite_error',
        'sqlite_cantopen',
        'sqlite_readonly',
        'sqlite_busy',
        'sqlite_constraint',
        'sqlite_corrupt',
        'backends.sqlite3',
        'backends/sqlite3',
        'context impl sqliteimpl',
        'sqlalchemy.dialects.sqlite',
        'engine(sqlite',
      ),
      sequence(['sqlite3.'], ['error'], 20),
      sequence(['datasource'], ['sqlite database'], 40),
    ],
    describe: () => ({
      title: 'The app fell back to SQLite',
      explanation:
        'The app is using a local SQLite file instead of PostgreSQL; on Render and Railway that file lives on the container’s ephemeral disk, so data vanishes on every deploy and is not shared between instances, even while /health says the database is fine.',
      fix: 'Set DATABASE_URL on the service to the internal PostgreSQL URL, and make the app exit instead of falling back to SQLite when the variable is missing or the connection fails.',
    }),
  },
  {
    id: 'port-not-bound',
    keys: [
      'open ports',
      'port scan',
      'failed to respond',
      'at least one port',
      'listen on the port',
      'tcp probe',
    ],
    lines: [
      anyOf(
        'no open ports detected',
        'port scan timeout reached',
        'application failed to respond',
        'bind your service to at least one port',
        // Cloud Run's Ready condition: "The user-provided container failed to start and listen on the port
        // defined provided by the PORT=8080 environment variable within the allocated timeout."
        'failed to start and listen on the port',
      ),
      // Cloud Run's system log: "Default STARTUP TCP probe failed 1 time consecutively for container …".
      sequence(['startup tcp probe'], ['failed'], 4),
    ],
    describe: () => ({
      title: 'The app never opened its port',
      explanation:
        'The platform found no open port, or got no response, in time and failed the deploy: the app crashed first, listened on the wrong port or address, or took too long to start.',
      fix: 'Make the server listen on 0.0.0.0 and the port in the PORT environment variable, and look in the log tail for a crash before it started listening.',
    }),
  },
  {
    id: 'app-crashed',
    keys: ['exited', 'called exit('],
    generic: true,
    // A build or pre-deploy command that exits non-zero is not the app crashing.
    notForSteps: ['build', 'pre-deploy', 'pre_deploy', 'predeploy', 'pre deploy'],
    lines: [
      anyOf('application exited early'),
      exitedNonZero,
      // Cloud Run's system log: "Container called exit(1)." (exit(0) is a clean stop, not a crash).
      pattern(/container called exit\((?!0\))\d{1,3}\)/),
    ],
    events: [
      (e) =>
        e.outcome.includes('crash') ||
        [
          'nonzeroexit',
          'non-zero exit',
          'nonzero exit',
          'earlyexit',
          'early exit',
          'exited early',
          'crashed',
        ].some((w) => e.detail.includes(w)),
    ],
    describe: () => ({
      title: 'The app exited during startup',
      explanation:
        'The process stopped on its own (a non-zero or early exit) before the deploy became healthy; the reason is usually printed just before the exit.',
      fix: "Read the last lines of the log tail for the error before the exit, and reproduce it by running the start command locally with the service's environment.",
    }),
  },
  {
    id: 'pre-deploy-failed',
    keys: ['pre-deploy'],
    generic: true,
    lines: [anyOf('pre-deploy command failed', 'pre-deploy failed', 'pre-deploy has failed')],
    events: [
      (e) =>
        ['pre_deploy', 'pre-deploy', 'predeploy', 'pre deploy'].some((w) => e.step.includes(w)) &&
        isFailure(e.outcome),
    ],
    describe: () => ({
      title: 'The pre-deploy command failed',
      explanation:
        'The command that runs before a release goes live (usually the migrations) failed, so the new release was not promoted and production still serves the previous deploy.',
      fix: 'Run the pre-deploy command against a copy of the production database to see its error, fix it, then redeploy.',
    }),
  },
  {
    id: 'healthcheck-failed',
    keys: ['health', 'replicas never', 'probe'],
    generic: true,
    lines: [
      anyOf(
        'healthcheck failed',
        'health check failed',
        'replicas never became healthy',
        'health check timed out',
        'healthcheck timed out',
        // Cloud Run: the revision's Ready condition (revisionReason HEALTH_CHECK_CONTAINER_ERROR, "The
        // user-provided container failed the configured startup probe checks") and the system log's
        // "STARTUP HTTP probe failed 3 times consecutively …" / "LIVENESS HTTP probe failed …".
        'health_check_container_error',
        'failed the configured startup probe',
        'failed the configured liveness probe',
        'http probe failed',
        'grpc probe failed',
      ),
    ],
    events: [
      (e) => e.step.includes('health') && isFailure(e.outcome),
      (e) => isFailure(e.outcome) && (e.detail.includes('unhealthy') || e.detail.includes('health check')),
    ],
    describe: () => ({
      title: "The platform's health check failed",
      explanation:
        "The platform's health check never got a healthy answer from the new instance within its window, so the deploy was not switched live.",
      fix: 'Request the health path on a local run with production settings, make it answer 200 quickly once the app can serve, and check that the app listens on 0.0.0.0:$PORT, then redeploy.',
    }),
  },
];

/** Every diagnosis id, most causal first: the order `diagnose` reports them in. */
export const DIAGNOSIS_ORDER: readonly DiagnosisId[] = SIGNATURES.map((s) => s.id);
