import type { OpenWebSocket } from '../../deps.js';
import { errorMessage } from '../../errors.js';
import type { Deadline } from '../../poll.js';
import type { Deploy, StatusListener, WaitForDeployResult } from '../types.js';
import { RAILWAY_OPERATIONS } from './operations.js';
import type { RailwayDeployment } from './statuses.js';

/** How long a subscription may stay silent before the action polls instead. */
const SOCKET_SILENCE_MS = 60_000;

/** How following over the socket ended: a settled (or timed-out) deployment, or why to poll instead. */
export type Pushed = { kind: 'result'; result: WaitForDeployResult } | { kind: 'fallback'; reason: string };

export interface SocketOptions {
  apiUrl: URL;
  /** The same auth headers the HTTP calls use, sent in `connection_init`. */
  auth: Record<string, string>;
  open: OpenWebSocket;
  redact: (text: string) => string;
  toDeploy: (raw: RailwayDeployment) => Deploy;
  /** When following ends: by default once the deployment leaves pending. */
  until?: (deploy: Deploy) => boolean;
  /** Stops following early (the result is then the last status seen, unsettled). */
  signal?: AbortSignal;
}

/**
 * Follows the deployment over graphql-transport-ws until it leaves `pending` or the deadline passes;
 * says why when the socket cannot be used, so the caller can poll instead.
 */
export function followOverSocket(
  id: string,
  deadline: Deadline,
  onStatus: StatusListener,
  options: SocketOptions,
): Promise<Pushed> {
  const { auth, open } = options;
  const url = new URL(options.apiUrl.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise((resolve) => {
    let socket: WebSocket;
    let previous: string | undefined;
    let last: Deploy | undefined;
    let done = false;
    const finish = (value: Pushed) => {
      if (done) return;
      done = true;
      options.signal?.removeEventListener('abort', stop);
      clearTimeout(deadlineTimer);
      clearTimeout(silenceTimer);
      try {
        socket?.close(1000);
      } catch {
        // Closing a socket that never opened is fine to ignore: it is being abandoned.
      }
      resolve(value);
    };
    const deadlineTimer = setTimeout(
      () =>
        last
          ? finish({ kind: 'result', result: { settled: false, deploy: last, reason: 'timeout' } })
          : finish({ kind: 'fallback', reason: 'no status arrived before the deadline' }),
      Math.max(0, deadline.remainingMs()),
    );
    const stop = (): void =>
      last
        ? finish({ kind: 'result', result: { settled: false, deploy: last, reason: 'timeout' } })
        : finish({ kind: 'fallback', reason: 'stopped before a status arrived' });
    options.signal?.addEventListener('abort', stop, { once: true });
    // Whether the subscription first repeats the current state is undocumented: a socket that stays
    // silent falls back to polling after a minute instead of costing the whole budget.
    // A quarter of what is left, at most a minute: a hung upgrade must leave time to poll.
    const silenceMs = Math.min(SOCKET_SILENCE_MS, Math.max(1000, deadline.remainingMs() / 4));
    let silenceTimer = setTimeout(() => {
      if (!last)
        finish({ kind: 'fallback', reason: `no status arrived within ${Math.round(silenceMs / 1000)} s` });
    }, silenceMs);
    try {
      socket = open(url.href, 'graphql-transport-ws');
    } catch (error) {
      finish({ kind: 'fallback', reason: options.redact(errorMessage(error)) });
      return;
    }
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: auth }));
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      let message: {
        type?: string;
        id?: string;
        payload?:
          | { data?: { deployment?: RailwayDeployment }; errors?: { message?: string }[] }
          | { message?: string }[];
      };
      try {
        message = JSON.parse(String(event.data));
      } catch {
        finish({ kind: 'fallback', reason: 'the server sent a message that is not JSON' });
        return;
      }
      if (message.type === 'connection_ack') {
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: RAILWAY_OPERATIONS.subscribeDeployment, variables: { id } },
          }),
        );
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next') {
        const payload = message.payload as {
          data?: { deployment?: RailwayDeployment };
          errors?: { message?: string }[];
        };
        const error = payload?.errors?.[0]?.message;
        if (error || !payload?.data?.deployment) {
          finish({
            kind: 'fallback',
            reason: options.redact(`the subscription answered: ${error ?? 'no data'}`),
          });
          return;
        }
        let deploy: Deploy;
        try {
          deploy = options.toDeploy(payload.data.deployment);
        } catch (failure) {
          finish({ kind: 'fallback', reason: errorMessage(failure) });
          return;
        }
        last = deploy;
        // A half-open socket says nothing more: after a silent minute, poll instead of waiting it out.
        clearTimeout(silenceTimer);
        silenceTimer = setTimeout(
          () => finish({ kind: 'fallback', reason: `no message for ${SOCKET_SILENCE_MS / 1000} s` }),
          SOCKET_SILENCE_MS,
        );
        if (deploy.status !== previous) {
          onStatus(deploy, previous);
          previous = deploy.status;
        }
        if ((options.until ?? ((seen: Deploy) => seen.state !== 'pending'))(deploy)) {
          finish({ kind: 'result', result: { settled: true, deploy } });
        }
      } else if (message.type === 'error' || message.type === 'complete') {
        finish({ kind: 'fallback', reason: `the server ended the subscription (${message.type})` });
      }
    });
    socket.addEventListener('error', () => finish({ kind: 'fallback', reason: 'the connection failed' }));
    socket.addEventListener('close', (event: CloseEvent) =>
      finish({ kind: 'fallback', reason: `the connection closed (code ${event.code})` }),
    );
  });
}
