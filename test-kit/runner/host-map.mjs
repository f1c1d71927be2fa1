// Preloaded into the action's processes when a job is given public hosts (JobOptions.publicHosts): a
// connection to one of the mapped names (`api.render.com:443`) goes to the local server standing in for it
// (`127.0.0.1:<port>`, a TLS front whose certificate NODE_EXTRA_CA_CERTS makes trusted). TLS still checks
// the certificate against the name the action asked for, so the action sees the provider's public URL and a
// valid certificate, as on GitHub. Loaded after network-guard.mjs, so a name that is not mapped still reaches
// the guard, which refuses it.
import net from 'node:net';

/** `{"host:port": "127.0.0.1:port"}`, host names lower-case; set by the runner emulation (job.ts). */
const MAP = JSON.parse(process.env.DEPLOY_SENTINEL_HOST_MAP || '{}');

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function mappedConnect(...args) {
  const first = args[0];
  // net.connect() hands over its normalized arguments as an array; tls.connect() and sockets an object.
  const normalized = Array.isArray(first);
  const options = normalized ? first[0] : first;
  if (typeof options === 'object' && options !== null && options.path === undefined) {
    const target = MAP[`${String(options.host ?? 'localhost').toLowerCase()}:${options.port}`];
    if (target) {
      const colon = target.lastIndexOf(':');
      // A copy: tls.connect() keeps its own options, and verifies the certificate against their host name.
      const local = { ...options, host: target.slice(0, colon), port: Number(target.slice(colon + 1)) };
      args[0] = normalized ? [local, ...first.slice(1)] : local;
    }
  }
  return connect.apply(this, args);
};
