/**
 * A small server for the `graphql-transport-ws` subprotocol (GraphQL over WebSocket as graphql-ws defines it,
 * the protocol Railway's API speaks) on top of the `ws` package, for test emulators. It owns the protocol:
 * the subprotocol check, connection_init/connection_ack, ping/pong, subscribe/next/error/complete, and the
 * close codes graphql-ws uses for a client that breaks the protocol (each reported to `onProtocolError`).
 * What an operation means is the caller's business (`onSubscribe`).
 */
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

/** The close codes of graphql-ws, for a client that breaks the protocol. */
export const CloseCode = {
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  SubprotocolNotAcceptable: 4406,
  SubscriberAlreadyExists: 4409,
  TooManyInitialisationRequests: 4429,
  InternalServerError: 4500,
} as const;

/** The payload of a `subscribe` message. */
export interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

/** One socket, as the callbacks see it. */
export interface WsConnection {
  /** 1, 2, ... in the order sockets were opened. */
  readonly id: number;
  /** The HTTP upgrade request. */
  readonly request: IncomingMessage;
  /** The `connection_init` payload, once one arrived (`{}` when it had none). */
  initPayload?: Record<string, unknown>;
  /** `next` messages sent on this socket so far. */
  nextCount: number;
  /** Destroys the socket without a close frame, as a lost network would. */
  terminate(): void;
}

/**
 * What a `subscribe` message leads to: a stream of results (a subscription), one result (a query or a
 * mutation, or a subscription whose source stream could not be created), or errors that stop the operation
 * before execution (validation), sent as an `error` message.
 */
export type SubscribeOutcome =
  | AsyncIterableIterator<ExecutionResult>
  | AsyncGenerator<ExecutionResult, void, void>
  | ExecutionResult
  | readonly GraphQLFormattedError[];

export interface GraphqlWsServerOptions {
  /** The only path that takes upgrades, e.g. `/graphql/v2`. */
  path: string;
  /** Called for every upgrade to `path`; a number refuses it with that HTTP status. */
  gate?(request: IncomingMessage): number | undefined;
  /** A socket opened; `accepted` is false when it did not speak `graphql-transport-ws` (then closed 4406). */
  onOpen?(connection: WsConnection, accepted: boolean): void;
  /** `connection_init`: false closes the socket 4403 Forbidden instead of acknowledging it. */
  onConnectionInit?(connection: WsConnection, payload: Record<string, unknown>): boolean | Promise<boolean>;
  onSubscribe(connection: WsConnection, id: string, payload: SubscribePayload): Promise<SubscribeOutcome>;
  /** A `next` message was handed to the socket. */
  onNext?(connection: WsConnection, id: string): void;
  /** The client broke the protocol; the socket is closed with graphql-ws's close code. */
  onProtocolError?(connection: WsConnection | undefined, problem: string): void;
  /** A socket closed, for whatever reason. */
  onClose?(connection: WsConnection, code: number): void;
}

export interface GraphqlWsServer {
  /** Ends every open subscription with a `complete` message, as a server whose source streams ended. */
  completeAll(): Promise<void>;
  /** Terminates every socket and stops taking upgrades. */
  close(): Promise<void>;
}

type Message = Record<string, unknown> & { type: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalObject = (value: unknown) => value === undefined || value === null || isObject(value);

/** graphql-ws's message validation, reduced to what a client may send. */
function parseMessage(text: string): Message | string {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return 'the message is not JSON';
  }
  if (!isObject(message) || typeof message.type !== 'string') return 'the message has no string "type"';
  const { type, id, payload } = message;
  switch (type) {
    case 'connection_init':
    case 'ping':
    case 'pong':
      return optionalObject(payload) ? (message as Message) : `"${type}" payload must be an object`;
    case 'subscribe': {
      if (typeof id !== 'string' || id === '') return '"subscribe" needs a non-empty string "id"';
      if (!isObject(payload) || typeof payload.query !== 'string') {
        return '"subscribe" payload needs a string "query"';
      }
      if (!optionalObject(payload.variables)) return '"subscribe" payload "variables" must be an object';
      if (!optionalObject(payload.extensions)) return '"subscribe" payload "extensions" must be an object';
      const name = payload.operationName;
      if (name !== undefined && name !== null && typeof name !== 'string') {
        return '"subscribe" payload "operationName" must be a string';
      }
      return message as Message;
    }
    case 'complete':
      return typeof id === 'string' && id !== '' ? (message as Message) : '"complete" needs a string "id"';
    default:
      return `a client may not send a message of type "${type}"`;
  }
}

function isStream(outcome: SubscribeOutcome): outcome is AsyncIterableIterator<ExecutionResult> {
  return typeof (outcome as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/** Serves `graphql-transport-ws` on `server`'s upgrades to `options.path`. */
export function attachGraphqlWsServer(server: Server, options: GraphqlWsServerOptions): GraphqlWsServer {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(GRAPHQL_TRANSPORT_WS) ? GRAPHQL_TRANSPORT_WS : false),
  });
  const sockets = new Set<WebSocket>();
  const completers = new Set<() => Promise<void>>();
  let sequence = 0;

  const refuse = (socket: Duplex, status: number) => {
    socket.on('error', () => undefined);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== options.path) {
      options.onProtocolError?.(undefined, `WebSocket upgrade to ${path}, which is not ${options.path}`);
      return refuse(socket, 404);
    }
    const refusal = options.gate?.(request);
    if (refusal !== undefined) return refuse(socket, refusal);
    wss.handleUpgrade(request, socket, head, (ws) => open(ws, request));
  };
  server.on('upgrade', onUpgrade);

  const open = (ws: WebSocket, request: IncomingMessage) => {
    sockets.add(ws);
    ws.on('error', () => undefined);
    const connection: WsConnection = {
      id: ++sequence,
      request,
      nextCount: 0,
      terminate: () => ws.terminate(),
    };
    /** Active operations by ID; undefined while one is starting. */
    const operations = new Map<string, AsyncIterator<ExecutionResult> | undefined>();
    let acknowledged = false;
    let initReceived = false;
    let closed = false;

    const send = (message: Record<string, unknown>) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const breach = (code: number, problem: string, reason = problem) => {
      options.onProtocolError?.(connection, problem);
      // Close reasons are limited to 123 bytes.
      if (ws.readyState === ws.OPEN) ws.close(code, reason.slice(0, 120));
    };
    const stopAll = () => {
      for (const [id, iterator] of operations) {
        operations.delete(id);
        void iterator?.return?.();
      }
    };

    const completeAll = async () => {
      for (const [id, iterator] of operations) {
        if (!iterator) continue;
        operations.delete(id);
        await iterator.return?.();
        send({ id, type: 'complete' });
      }
    };
    completers.add(completeAll);

    ws.on('close', (code) => {
      closed = true;
      sockets.delete(ws);
      completers.delete(completeAll);
      stopAll();
      options.onClose?.(connection, code);
    });

    if (ws.protocol !== GRAPHQL_TRANSPORT_WS) {
      options.onOpen?.(connection, false);
      const offered = request.headers['sec-websocket-protocol'];
      breach(
        CloseCode.SubprotocolNotAcceptable,
        `WebSocket subprotocol ${offered ? `"${offered}"` : '(none)'} offered; only ${GRAPHQL_TRANSPORT_WS} is spoken`,
        'Subprotocol not acceptable',
      );
      return;
    }
    options.onOpen?.(connection, true);

    const run = async (id: string, payload: SubscribePayload) => {
      operations.set(id, undefined);
      const outcome = await options.onSubscribe(connection, id, payload);
      const stillWanted = operations.has(id) && !closed;
      if (Array.isArray(outcome)) {
        operations.delete(id);
        if (stillWanted) send({ id, type: 'error', payload: outcome });
        return;
      }
      if (!isStream(outcome as SubscribeOutcome)) {
        operations.delete(id);
        if (stillWanted) {
          sendNext(id, outcome as ExecutionResult);
          send({ id, type: 'complete' });
        }
        return;
      }
      const iterator = outcome as AsyncIterableIterator<ExecutionResult>;
      if (!stillWanted) {
        await iterator.return?.();
        return;
      }
      operations.set(id, iterator);
      // Never pulls once the socket is going: a pull tells the source the last result was delivered.
      let ended = false;
      while (ws.readyState === ws.OPEN) {
        const step = await iterator.next();
        ended = step.done === true;
        if (ended || operations.get(id) !== iterator || closed) break;
        sendNext(id, step.value);
      }
      if (operations.get(id) === iterator) {
        operations.delete(id);
        if (ended) send({ id, type: 'complete' });
        else await iterator.return?.();
      }
    };

    const sendNext = (id: string, result: ExecutionResult) => {
      send({ id, type: 'next', payload: result });
      connection.nextCount++;
      options.onNext?.(connection, id);
    };

    const handle = async (text: string) => {
      const message = parseMessage(text);
      if (typeof message === 'string')
        return breach(CloseCode.BadRequest, message, 'Invalid message received');
      switch (message.type) {
        case 'connection_init': {
          if (initReceived) {
            return breach(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
          }
          initReceived = true;
          const payload = (message.payload as Record<string, unknown> | null | undefined) ?? {};
          connection.initPayload = payload;
          const permitted = (await options.onConnectionInit?.(connection, payload)) ?? true;
          if (!permitted) {
            if (ws.readyState === ws.OPEN) ws.close(CloseCode.Forbidden, 'Forbidden');
            return;
          }
          acknowledged = true;
          return send({ type: 'connection_ack' });
        }
        case 'ping':
          return send(message.payload ? { type: 'pong', payload: message.payload } : { type: 'pong' });
        case 'pong':
          return;
        case 'subscribe': {
          if (!acknowledged)
            return breach(CloseCode.Unauthorized, 'subscribe before connection_ack', 'Unauthorized');
          const id = message.id as string;
          if (operations.has(id)) {
            return breach(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
          }
          // Not awaited: a subscription runs alongside the next messages.
          run(id, message.payload as SubscribePayload).catch((error: unknown) =>
            breach(
              CloseCode.InternalServerError,
              `the server failed: ${String(error)}`,
              'Internal server error',
            ),
          );
          return;
        }
        case 'complete': {
          const id = message.id as string;
          const iterator = operations.get(id);
          operations.delete(id);
          await iterator?.return?.();
          return;
        }
      }
    };

    // Messages are handled one at a time, in arrival order.
    let inbox = Promise.resolve();
    ws.on('message', (data: RawData) => {
      const text = (
        Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
      ).toString('utf8');
      inbox = inbox.then(() =>
        handle(text).catch((error: unknown) =>
          breach(
            CloseCode.InternalServerError,
            `the server failed: ${String(error)}`,
            'Internal server error',
          ),
        ),
      );
    });
  };

  return {
    async completeAll() {
      await Promise.all([...completers].map((complete) => complete()));
    },
    close() {
      server.off('upgrade', onUpgrade);
      for (const ws of sockets) ws.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
