// Preloaded into every process a test starts (and into the Jest workers themselves): a connection to
// anything but this machine is refused and recorded, so no test can reach the internet, not even by
// accident (a default URL, a forgotten `api-url`). The runner emulation reads the record after each step
// and fails the test that caused it. Loaded with `--import`, or imported from Jest's setup.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

/** Where refused attempts are appended, one line each; set by the runner emulation. */
const LOG = process.env.DEPLOY_SENTINEL_NETWORK_GUARD_LOG;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(?:\.\d{1,3}){3})$/i;
/** RFC 6761: a name under `.invalid` never resolves, so a test may use one to provoke a DNS failure. */
const NEVER_RESOLVES = /\.invalid\.?$/i;

const GUARD = Symbol.for('deploy-sentinel.network-guard');

/**
 * Attempts refused in this process, for an in-process check (Jest's afterEach). Kept on the `net` module,
 * which every Jest test file of a worker shares, so the guard is installed once per process.
 */
export const refusedConnections = (net[GUARD] ??= []);

const connect = net.Socket.prototype.connect;
if (!connect[GUARD]) net.Socket.prototype.connect = guardedConnect;
guardedConnect[GUARD] = true;

function guardedConnect(...args) {
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : first;
  let host;
  let port;
  if (typeof options === 'object' && options !== null) {
    if (options.path === undefined) {
      host = options.host ?? 'localhost';
      port = options.port;
    }
  } else if (typeof options === 'number' || (typeof options === 'string' && /^\d+$/.test(options))) {
    port = options;
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (host !== undefined && !LOOPBACK.test(String(host)) && !NEVER_RESOLVES.test(String(host))) {
    const attempt = `${host}:${port ?? '?'}`;
    refusedConnections.push(attempt);
    if (LOG) appendFileSync(LOG, `${attempt}\n`);
    const error = Object.assign(
      new Error(`connect ENETUNREACH ${attempt} (refused by the test network guard)`),
      {
        code: 'ENETUNREACH',
      },
    );
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
}
