/**
 * The Railway provider against the Railway emulator: every operation it sends is validated against
 * Railway's schema, status arrives over graphql-transport-ws (or frugal polling when the socket fails),
 * and the request budget holds (Hobby plan: 1000 requests an hour, so at most 40 per 10-minute wait).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { parse, validate } from 'graphql';
import { WebSocket, type Agent } from 'undici';
import { createDispatcher, createHttpClient } from '../../src/http.js';
import { Deadline, systemClock } from '../../src/poll.js';
import type { RailwayTokenType } from '../../src/providers/railway/client.js';
import { RAILWAY_OPERATIONS } from '../../src/providers/railway/operations.js';
import { RailwayProvider } from '../../src/providers/railway/provider.js';
import { SecretRegistry } from '../../src/secrets.js';
import {
  loadRailwaySchema,
  startRailwayEmulator,
  type RailwayDeploymentSpec,
  type RailwayEmulator,
  type RailwayEmulatorOptions,
} from '../../test-kit/emulators/railway-emulator.js';

const TOKEN = 'rw_integrationToken0000000000';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const ids = { projectId: 'prj-1', serviceId: 'svc-1', environmentId: 'env-1' };

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const history: RailwayDeploymentSpec[] = [
  {
    id: 'dep-old',
    status: 'REMOVED',
    createdAt: minutesAgo(120),
    commitHash: '2'.repeat(40),
    canRollback: true,
  },
  { id: 'dep-good', status: 'SUCCESS', createdAt: minutesAgo(60), commitHash: OLD, canRollback: true },
  { id: 'dep-ours', status: 'BUILDING', createdAt: minutesAgo(1), commitHash: SHA, canRollback: true },
];

async function setup(
  options: Partial<RailwayEmulatorOptions> = {},
  provider: { tokenType?: RailwayTokenType; socket?: boolean; fakeClock?: boolean; intervalMs?: number } = {},
) {
  const emulator: RailwayEmulator = await startRailwayEmulator({
    token: TOKEN,
    ...ids,
    domain: 'shop-api.up.railway.app',
    deployments: history,
    ...options,
  });
  const dispatcher: Agent = createDispatcher();
  cleanup.push(async () => {
    await dispatcher.close();
    await emulator.close();
  });
  let now = Date.now();
  const clock = provider.fakeClock ? { now: () => now } : systemClock;
  const sleep = provider.fakeClock
    ? async (ms: number) => {
        now += ms;
      }
    : (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const logs: string[] = [];
  const deadline = Deadline.after(clock, 600_000);
  const client = new RailwayProvider({
    apiUrl: new URL(emulator.url),
    token: TOKEN,
    tokenType: provider.tokenType ?? 'auto',
    ...ids,
    http: createHttpClient({ dispatcher, secrets: new SecretRegistry(() => undefined), timeoutMs: 5000 }),
    openWebSocket:
      provider.socket === false
        ? undefined
        : (url, protocol) =>
            new WebSocket(url, { protocols: [protocol], dispatcher }) as unknown as globalThis.WebSocket,
    clock,
    sleep,
    log: (line) => logs.push(line),
    budget: deadline,
    requestTimeoutMs: 5000,
    intervalMs: provider.intervalMs ?? 5000,
    redact: (text) => text.split(TOKEN).join('***'),
  });
  const http = () => emulator.requests.filter((r) => r.transport === 'http');
  return { emulator, client, logs, deadline, http };
}

describe('Railway operations', () => {
  it('every operation the action can send validates against the schema', () => {
    const schema = loadRailwaySchema();
    for (const [name, text] of Object.entries(RAILWAY_OPERATIONS)) {
      expect([name, validate(schema, parse(text)).map((e) => e.message)]).toEqual([name, []]);
    }
  });

  it('sends deploymentRollback with no selection set (it returns a Boolean)', () => {
    expect(RAILWAY_OPERATIONS.rollback).toMatch(/deploymentRollback\(id: \$id\) \}$/);
  });
});

describe('RailwayProvider against the emulator', () => {
  it('follows a deployment over the socket with no polling requests', async () => {
    const t = await setup();
    t.emulator.script('dep-ours', ['BUILDING', 'DEPLOYING', 'SUCCESS']);
    const seen: string[] = [];
    const result = await t.client.waitForDeploy('dep-ours', t.deadline, (d) => seen.push(d.status));
    expect(result).toMatchObject({ settled: true, deploy: { status: 'SUCCESS', state: 'live' } });
    expect(seen).toEqual(['BUILDING', 'DEPLOYING', 'SUCCESS']);
    expect(t.emulator.sockets.filter((s) => s.accepted)).toHaveLength(1);
    expect(t.http().map((r) => r.operationName)).toEqual(['ProjectToken']); // the token-type check only
    expect(t.emulator.violations).toEqual([]);
  });

  it('falls back to polling when the socket is refused, and says so', async () => {
    const t = await setup({}, { intervalMs: 200 });
    t.emulator.rejectSockets();
    t.emulator.script('dep-ours', ['BUILDING', 'DEPLOYING', 'SUCCESS']);
    const result = await t.client.waitForDeploy('dep-ours', t.deadline, () => undefined);
    expect(result).toMatchObject({ settled: true, deploy: { status: 'SUCCESS' } });
    expect(t.logs.join('\n')).toContain('falling back to polling');
    expect(t.http().filter((r) => r.operationName === 'Deployment').length).toBeGreaterThanOrEqual(2);
    expect(t.emulator.violations).toEqual([]);
  });

  it('falls back to polling when the socket drops mid-stream', async () => {
    const t = await setup({}, { intervalMs: 200 });
    t.emulator.script('dep-ours', ['BUILDING', 'DEPLOYING', 'SUCCESS']);
    t.emulator.dropSocketAfter(1);
    const result = await t.client.waitForDeploy('dep-ours', t.deadline, () => undefined);
    expect(result).toMatchObject({ settled: true, deploy: { status: 'SUCCESS' } });
    expect(t.logs.join('\n')).toMatch(/WebSocket failed \(the connection (closed|failed)/);
  });

  it('a 10-minute polling wait sends at most 40 requests', async () => {
    const t = await setup({}, { socket: false, fakeClock: true });
    t.emulator.script(
      'dep-ours',
      Array.from({ length: 500 }, () => 'BUILDING' as const),
    );
    const result = await t.client.waitForDeploy('dep-ours', t.deadline, () => undefined);
    expect(result).toMatchObject({ settled: false, reason: 'timeout' });
    expect(t.http().length).toBeLessThanOrEqual(40);
    expect(t.http().length).toBeGreaterThan(20);
  });

  it('detects a project token and sends it as Project-Access-Token', async () => {
    const t = await setup({ tokenKind: 'project' });
    await t.client.service();
    const sent = t.http();
    expect(sent.map((r) => [r.operationName, r.auth])).toEqual([
      ['ProjectToken', 'Project-Access-Token'],
      ['ServiceInstance', 'Project-Access-Token'],
    ]);
    expect(t.logs).toContain('Railway: api-token is a project token.');
  });

  it('sends an account token as Bearer, asking nothing when the type is given', async () => {
    const t = await setup({}, { tokenType: 'account' });
    const service = await t.client.service();
    expect(service).toMatchObject({ name: expect.any(String), url: 'https://shop-api.up.railway.app' });
    expect(t.http().map((r) => [r.operationName, r.auth])).toEqual([['ServiceInstance', 'Authorization']]);
  });

  it('a wrong token is a config error naming api-token, without the token', async () => {
    const t = await setup({ token: 'rw_other' });
    const error = (await t.client.service().catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('ProviderConfigError');
    expect(error.message).toContain('input `api-token`');
    expect(error.message).toContain('Fix:');
    expect(error.message).not.toContain(TOKEN);
  });

  it('finds deployments newest first and maps commit, rollback and status', async () => {
    const t = await setup({}, { tokenType: 'account' });
    const deploys = await t.client.listDeploys();
    expect(deploys.map((d) => [d.id, d.state, d.commit?.slice(0, 7), d.canRollbackTo])).toEqual([
      ['dep-ours', 'pending', SHA.slice(0, 7), false],
      ['dep-good', 'live', OLD.slice(0, 7), true],
      ['dep-old', 'canceled', '2222222', true],
    ]);
    expect(t.emulator.violations).toEqual([]);
  });

  it('reads logs without the extra row of the limit+1 quirk, and the failed steps', async () => {
    const t = await setup({}, { tokenType: 'account' });
    t.emulator.addLogs(
      'dep-ours',
      'build',
      Array.from({ length: 600 }, (_, i) => ({ message: `build line ${i}` })),
    );
    t.emulator.addEvents('dep-ours', [
      { step: 'HEALTHCHECK', payload: { error: 'Healthcheck failed', reason: 'service unavailable' } },
      { step: 'BUILD_IMAGE', payload: {} },
    ]);
    const evidence = await t.client.evidence(await t.client.getDeploy('dep-ours'), 'build');
    expect(evidence.lines).toHaveLength(500);
    expect(evidence.lines.at(-1)?.message).toBe('build line 599');
    expect(evidence.lines[0]?.message).toBe('build line 100');
    expect(evidence.events).toEqual([
      expect.objectContaining({
        step: 'healthcheck',
        outcome: 'failed',
        detail: 'Healthcheck failed: service unavailable',
      }),
    ]);
    expect(t.emulator.violations).toEqual([]);
  });

  it('rolls back with deploymentRollback and finds the new deployment', async () => {
    const t = await setup({}, { tokenType: 'account' });
    const target = (await t.client.listDeploys()).find((d) => d.id === 'dep-good');
    const created = await t.client.rollback(target as NonNullable<typeof target>);
    expect(created.id).not.toBe('dep-good');
    expect(created.commit).toBe(OLD);
    const mutation = t.http().find((r) => r.operationType === 'mutation');
    expect(mutation?.fields).toEqual(['deploymentRollback']);
    expect(mutation?.variables).toEqual({ id: 'dep-good' });
    expect(t.emulator.violations).toEqual([]);
  });

  it('quotes GraphQL errors on HTTP 200', async () => {
    const t = await setup({}, { tokenType: 'account' });
    t.emulator.graphqlErrorsNext(1, 'Something exploded');
    const error = (await t.client.getDeploy('dep-ours').catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('"Something exploded"');
  });
});
