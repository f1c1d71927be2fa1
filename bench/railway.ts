/**
 * Railway provider benchmarks, against the Railway emulator (which validates every operation against
 * Railway's schema):
 *
 * 1. HTTP requests a 10-minute deployment wait sends when it has to poll (the socket refused), with a
 *    simulated clock, and what the pushed path costs for a whole deployment (one socket).
 * 2. Time from the deployment reaching SUCCESS to the verdict, pushed over the socket and polled,
 *    run as dist/main against the emulator and the example service.
 */
import { WebSocket } from 'undici';
import { createDispatcher, createHttpClient } from '../src/http.js';
import { Deadline, systemClock } from '../src/poll.js';
import { RailwayProvider } from '../src/providers/railway/provider.js';
import { SecretRegistry } from '../src/secrets.js';
import { startRailwayEmulator, type RailwayDeploymentSpec } from '../test-kit/emulators/railway-emulator.js';
import { startEmbeddedPostgres, startExampleService } from '../test-kit/example-service.js';
import { peakRssMiB, runSentinel } from './lib/proc.js';
import { measured, median, mib, percentile, type Section } from './lib/stats.js';

const TOKEN = 'rw_benchToken0000000000000';
const ids = { projectId: 'prj-bench', serviceId: 'svc-bench', environmentId: 'env-bench' };
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';

const deployments = (): RailwayDeploymentSpec[] => [
  {
    id: 'dep-good',
    status: 'SUCCESS',
    createdAt: new Date(Date.now() - 3_600_000).toISOString(),
    commitHash: OLD,
    canRollback: true,
  },
  {
    id: 'dep-ours',
    status: 'BUILDING',
    createdAt: new Date().toISOString(),
    commitHash: SHA,
    canRollback: true,
  },
];

/** HTTP requests for a whole wait: a simulated 10 minutes of BUILDING when polling, a 5-step deploy when pushed. */
async function waitRequests(mode: 'polling' | 'socket'): Promise<number> {
  const emulator = await startRailwayEmulator({ token: TOKEN, ...ids, deployments: deployments() });
  const dispatcher = createDispatcher();
  let now = Date.now();
  const fake = mode === 'polling';
  const clock = fake ? { now: () => now } : systemClock;
  const deadline = Deadline.after(clock, 600_000);
  const provider = new RailwayProvider({
    apiUrl: new URL(emulator.url),
    token: TOKEN,
    tokenType: 'account',
    ...ids,
    http: createHttpClient({ dispatcher, secrets: new SecretRegistry(() => {}), timeoutMs: 10_000 }),
    openWebSocket: fake
      ? undefined
      : (url, protocol) =>
          new WebSocket(url, { protocols: [protocol], dispatcher }) as unknown as globalThis.WebSocket,
    clock,
    sleep: async (ms) => {
      now += ms;
    },
    log: () => {},
    budget: deadline,
    requestTimeoutMs: 10_000,
    intervalMs: 5000,
    redact: (text) => text,
  });
  try {
    emulator.script(
      'dep-ours',
      fake ? Array.from({ length: 1000 }, () => 'BUILDING' as const) : ['BUILDING', 'DEPLOYING', 'SUCCESS'],
    );
    await provider.waitForDeploy('dep-ours', deadline, () => {});
    if (emulator.violations.length > 0)
      throw new Error(`emulator violations: ${emulator.violations.join('; ')}`);
    return emulator.requests.filter((r) => r.transport === 'http').length;
  } finally {
    await dispatcher.close();
    await emulator.close();
  }
}

/** Milliseconds from SUCCESS (the new version serving) to dist/main's exit; SUCCESS comes 2-8 s in. */
async function successToVerdict(
  svc: Awaited<ReturnType<typeof startExampleService>>,
  databaseUrl: string,
  mode: 'socket' | 'polling',
): Promise<{ ms: number; rssMiB?: number }> {
  await svc.restart({ version: OLD, databaseUrl });
  const emulator = await startRailwayEmulator({
    token: TOKEN,
    ...ids,
    deployments: deployments(),
    wsProgress: 'manual',
  });
  if (mode === 'polling') emulator.rejectSockets();
  let successAt = 0;
  const timer = setTimeout(
    () => {
      void svc.restart({ version: SHA, databaseUrl }).then(async () => {
        emulator.script('dep-ours', ['SUCCESS']);
        successAt = Date.now();
        if (mode === 'socket') await emulator.advance('dep-ours');
      });
    },
    2000 + Math.random() * 6000,
  );
  try {
    const { run } = await runSentinel(
      {
        provider: 'railway',
        'api-token': TOKEN,
        'api-token-type': 'account',
        'service-id': ids.serviceId,
        'environment-id': ids.environmentId,
        'api-url': emulator.url,
        url: svc.url,
        commit: SHA,
        'expect-version': SHA,
        timeout: '60s',
        // To the pass: the soak adds its window (default 30s) on top by design.
        soak: '0s',
      },
      { github: { sha: SHA } },
    );
    const ended = Date.now();
    if (run.outputs.result !== 'passed')
      throw new Error(`expected a pass, got ${run.outputs.result}: ${run.stdout}`);
    if (!successAt) throw new Error('the run passed before the deployment succeeded');
    return { ms: ended - successAt, rssMiB: peakRssMiB(run.stderr) };
  } finally {
    clearTimeout(timer);
    await emulator.close();
  }
}

/** Runs the Railway benchmarks and returns their section of RESULTS.md. */
export async function benchRailway(trials: number): Promise<Section> {
  const polling: number[] = [];
  const socket: number[] = [];
  for (let i = 0; i < trials; i++) {
    polling.push(await waitRequests('polling'));
    socket.push(await waitRequests('socket'));
  }
  const postgres = await startEmbeddedPostgres();
  const svc = await startExampleService({ version: OLD, databaseUrl: postgres.url });
  const verdict = { socket: [] as number[], polling: [] as number[] };
  const rss = { socket: [] as (number | undefined)[], polling: [] as (number | undefined)[] };
  try {
    for (let i = 0; i < trials; i++) {
      for (const mode of ['socket', 'polling'] as const) {
        const run = await successToVerdict(svc, postgres.url, mode);
        verdict[mode].push(run.ms);
        rss[mode].push(run.rssMiB);
      }
    }
  } finally {
    await svc.stop();
    await postgres.stop();
  }
  const ratio = percentile(verdict.polling, 50) / Math.max(1, percentile(verdict.socket, 50));
  const peak = (mode: 'socket' | 'polling') => {
    const values = measured(rss[mode]);
    return mib(values.length ? median(values) : undefined);
  };
  const markdown = [
    '## Railway provider',
    '',
    `### HTTP requests while waiting (${trials} trials each)`,
    '',
    "Budget: Railway's Hobby plan allows 1000 requests an hour, so a 10-minute wait may send at most 40.",
    '',
    '| how status arrives | wait | median | p90 | max |',
    '|---|---|---|---|---|',
    `| polling (socket refused), \`interval\` 5 s growing to 20 s | 10 simulated minutes of \`BUILDING\` | ${percentile(polling, 50)} | ${percentile(polling, 90)} | ${Math.max(...polling)} |`,
    `| pushed over \`graphql-transport-ws\` | a whole deployment, BUILDING → DEPLOYING → SUCCESS | ${percentile(socket, 50)} | ${percentile(socket, 90)} | ${Math.max(...socket)} |`,
    '',
    'Pushed, the wait costs one WebSocket connection and no HTTP requests, however long the build takes.',
    '',
    `### From \`SUCCESS\` to the verdict (${trials} trials each)`,
    '',
    'The deployment reaches `SUCCESS` at a random moment 2-8 s after the run starts (the new version is',
    'already serving); the figure is the time from then until `dist/main` exits with its verdict',
    '(`expect-version` set, 2 confirming health checks).',
    '',
    '| how status arrives | median | p90 | ratio to pushed | peak RSS (median) |',
    '|---|---|---|---|---|',
    `| pushed over the socket | ${percentile(verdict.socket, 50)} ms | ${percentile(verdict.socket, 90)} ms | 1.0× | ${peak('socket')} |`,
    `| polled (socket refused) | ${percentile(verdict.polling, 50)} ms | ${percentile(verdict.polling, 90)} ms | ${ratio.toFixed(1)}× | ${peak('polling')} |`,
    '',
    'Polled, `SUCCESS` is seen at the next poll, or within about a second when the service already reports',
    'the expected version while Railway says `DEPLOYING` (the same live hint as Render).',
    '',
  ].join('\n');
  return {
    markdown,
    figures: {
      railwayPollingRequestsPer10MinMax: Math.max(...polling),
      railwaySocketRequestsMedian: percentile(socket, 50),
      railwaySuccessToVerdictSocketMedianMs: percentile(verdict.socket, 50),
      railwaySuccessToVerdictPollingMedianMs: percentile(verdict.polling, 50),
    },
  };
}
