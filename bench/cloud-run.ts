/**
 * Cloud Run provider benchmarks, against the Cloud Run + Cloud Logging emulator (which checks every call
 * against Google's protos):
 *
 * 1. Admin API requests a 10-minute wait sends: the real CloudRunProvider over real HTTP, with a simulated
 *    clock so ten minutes take a second, for a revision that stays RECONCILING (one GetRevision a poll)
 *    and for one that is ready while the service keeps routing (GetRevision and GetService a poll). The
 *    stated budget: at most 60 requests in 10 minutes at the default `interval`, 100 at any interval.
 * 2. Time from the revision going ready (and serving) to the verdict: the built action run as the runner
 *    runs it (test-kit/runner/job.ts), against the emulator and the example service, with and without
 *    `expect-version`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDispatcher, createHttpClient } from '../src/http.js';
import { Deadline } from '../src/poll.js';
import { tokenSource } from '../src/providers/cloud-run/auth.js';
import { parseServiceName } from '../src/providers/cloud-run/names.js';
import { CloudRunProvider } from '../src/providers/cloud-run/provider.js';
import { SecretRegistry } from '../src/secrets.js';
import {
  startCloudRunEmulator,
  type CloudRunEmulator,
  type RevisionStep,
} from '../test-kit/emulators/cloud-run-emulator.js';
import { startEmbeddedPostgres, startExampleService } from '../test-kit/example-service.js';
import { Job } from '../test-kit/runner/job.js';
import { percentile, type Section } from './lib/stats.js';

const TOKEN = 'ya29.benchCloudRunToken000000';
const SERVICE = 'projects/deploy-sentinel/locations/us-central1/services/shop-api';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const root = fileURLToPath(new URL('..', import.meta.url));
/** The built action to run: dist/, or the directory DEPLOY_SENTINEL_ACTION_DIR names. */
const actionDir = process.env.DEPLOY_SENTINEL_ACTION_DIR || root;
/** The budget the provider is held to, per 10-minute wait. */
const BUDGET_DEFAULT = 60;
const BUDGET_ANY = 100;

/**
 * Requests one simulated 10-minute wait sends. `routing`: the revision is ready but the service keeps
 * reconciling its traffic (an operation that never finishes), so every poll reads the service too.
 */
async function requestsPerTenMinutes(intervalMs: number, phase: 'reconciling' | 'routing'): Promise<number> {
  const emulator = await startCloudRunEmulator({
    tokens: [TOKEN],
    service: 'shop-api',
    serviceUrl: 'http://127.0.0.1:9',
    revisions: [{ id: 'shop-api-00001-prv', commit: OLD }],
    // A traffic change that never completes keeps the service reconciling.
    operationReads: 1_000_000,
  });
  const id = 'shop-api-00002-new';
  const steps: RevisionStep[] =
    phase === 'reconciling' ? Array.from({ length: 5000 }, () => 'RECONCILING') : [];
  emulator.deployRevision({ id, commit: SHA, steps, traffic: phase === 'routing' ? 'none' : 'latest' });
  if (phase === 'routing') {
    emulator.script(id, ['SUCCEEDED']);
    await pinTrafficToNew(emulator, id);
  }
  let now = Date.now();
  const clock = { now: () => now };
  const dispatcher = createDispatcher();
  const deadline = Deadline.after(clock, 600_000);
  const secrets = new SecretRegistry(() => undefined);
  const provider = new CloudRunProvider({
    apiUrl: new URL(emulator.url),
    loggingUrl: new URL(emulator.url),
    token: TOKEN,
    serviceId: SERVICE,
    service: parseServiceName(SERVICE)!,
    credentials: tokenSource({
      apiToken: TOKEN,
      projectId: 'deploy-sentinel',
      env: {},
      mask: () => undefined,
    }),
    http: createHttpClient({ dispatcher, secrets, timeoutMs: 10_000 }),
    clock,
    sleep: async (ms) => {
      now += ms;
    },
    log: () => {},
    budget: deadline,
    requestTimeoutMs: 10_000,
    intervalMs,
    redact: (text) => text,
  });
  try {
    const before = emulator.requests.length;
    const waited = await provider.waitForDeploy(id, deadline, () => {});
    if (waited.settled)
      throw new Error(`the revision settled (${waited.deploy.status}); the wait measures nothing`);
    if (emulator.violations.length > 0)
      throw new Error(`emulator violations: ${emulator.violations.join('; ')}`);
    return emulator.requests.length - before;
  } finally {
    await dispatcher.close();
    await emulator.close();
  }
}

/** Asks for all traffic on `id` through UpdateService, whose operation then never finishes. */
async function pinTrafficToNew(emulator: CloudRunEmulator, id: string): Promise<void> {
  const name = SERVICE;
  const read = await fetch(`${emulator.url}/v2/${name}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const service = (await read.json()) as Record<string, unknown>;
  const write = await fetch(`${emulator.url}/v2/${name}?updateMask=traffic`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ...service,
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: id, percent: 100 }],
    }),
  });
  if (!write.ok) throw new Error(`could not start the traffic change: ${write.status} ${await write.text()}`);
}

/**
 * Milliseconds from the revision going ready and serving to the action's exit. The revision reconciles
 * for a random 2-8 s after the run starts; then the example service restarts on the new version and the
 * emulator's next answer says the revision is ready and serving.
 */
async function readyToVerdict(
  svc: Awaited<ReturnType<typeof startExampleService>>,
  databaseUrl: string,
  variant: 'version' | 'polling',
): Promise<number> {
  await svc.restart({ version: OLD, databaseUrl });
  let readyAt = 0;
  const emulator = await startCloudRunEmulator({
    tokens: [TOKEN],
    service: 'shop-api',
    serviceUrl: svc.url,
    revisions: [{ id: 'shop-api-00001-prv', commit: OLD }],
    onServing: async (revision) => {
      await svc.restart({ version: revision.commit, databaseUrl });
      if (revision.commit === SHA) readyAt = Date.now();
    },
  });
  const id = emulator.deployRevision({
    id: 'shop-api-00002-new',
    commit: SHA,
    steps: Array.from({ length: 5000 }, () => 'RECONCILING'),
  });
  const ready = setTimeout(() => emulator.script(id, ['SUCCEEDED']), 2000 + Math.random() * 6000);
  try {
    const job = new Job({
      repository: join(root, 'examples', 'demo'),
      github: { sha: SHA },
      env: { SMOKE_PASSWORD: 'pw' },
      actionDir,
    });
    const run = await job.run('main', {
      provider: 'cloud-run',
      'api-token': TOKEN,
      'service-id': SERVICE,
      'api-url': emulator.url,
      commit: SHA,
      ...(variant === 'version' ? { 'expect-version': SHA } : {}),
      'health-schema': 'health-schema.yaml',
      timeout: '60s',
      soak: '0s',
    });
    const ended = Date.now();
    if (run.outputs.result !== 'passed')
      throw new Error(`expected a pass, got ${run.outputs.result}: ${run.stdout}`);
    if (!readyAt) throw new Error('the run passed before the revision went ready');
    if (emulator.violations.length > 0)
      throw new Error(`emulator violations: ${emulator.violations.join('; ')}`);
    return ended - readyAt;
  } finally {
    clearTimeout(ready);
    await emulator.close();
  }
}

/** Runs the Cloud Run benchmarks and returns their section of RESULTS.md. */
export async function benchCloudRun(trials: number): Promise<Section> {
  const waits: { label: string; phase: 'reconciling' | 'routing'; interval: number; counts: number[] }[] = [];
  for (const phase of ['reconciling', 'routing'] as const) {
    for (const [label, interval] of [
      ['5s (default)', 5000],
      ['1s', 1000],
      ['200ms', 200],
    ] as const) {
      const counts: number[] = [];
      for (let i = 0; i < trials; i++) counts.push(await requestsPerTenMinutes(interval, phase));
      waits.push({ label, phase, interval, counts });
    }
  }
  const postgres = await startEmbeddedPostgres();
  const svc = await startExampleService({ version: OLD, databaseUrl: postgres.url, smokePassword: 'pw' });
  const verdict = { version: [] as number[], polling: [] as number[] };
  try {
    for (let i = 0; i < trials; i++) {
      verdict.version.push(await readyToVerdict(svc, postgres.url, 'version'));
      verdict.polling.push(await readyToVerdict(svc, postgres.url, 'polling'));
    }
  } finally {
    await svc.stop();
    await postgres.stop();
  }
  const over = waits.filter(
    (w) => Math.max(...w.counts) > (w.interval === 5000 ? BUDGET_DEFAULT : BUDGET_ANY),
  );
  if (over.length > 0) {
    throw new Error(
      `over budget: ${over.map((w) => `${w.phase} at ${w.label}: ${Math.max(...w.counts)} requests`).join('; ')}`,
    );
  }
  const rows = waits.map(
    (w) =>
      `| ${w.phase === 'reconciling' ? 'revision `RECONCILING`' : 'ready, service still routing'} | ${w.label} | ${percentile(w.counts, 50)} | ${Math.max(...w.counts)} | ${w.interval === 5000 ? BUDGET_DEFAULT : BUDGET_ANY} |`,
  );
  const timeRow = (label: string, values: number[]) =>
    `| ${label} | ${percentile(values, 50)} ms | ${percentile(values, 90)} ms |`;
  const markdown = [
    '## Cloud Run provider',
    '',
    `### Admin API requests during a 10-minute wait (${trials} trials each)`,
    '',
    'The real `CloudRunProvider` over real HTTP against the Cloud Run emulator, with a simulated clock. While',
    'the revision reconciles, a poll is one `GetRevision`; once it is ready and the service still routes',
    'traffic to it, a poll is `GetRevision` and `GetService`. Polls start at `interval` and back off to 15 s.',
    '',
    '| phase | `interval` | median | max | budget |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `### From ready and serving to the verdict (${trials} trials each)`,
    '',
    'The revision reconciles for a random 2-8 s after the run starts, then the example service restarts on',
    'the new version and the emulator reports the revision ready and serving; the figure is the time from',
    'then until the action exits with its verdict (health schema, `success-threshold: 2`, no soak).',
    '',
    '| run | median | p90 |',
    '|---|---|---|',
    timeRow('`expect-version` set: the version is watched between polls', verdict.version),
    timeRow('without `expect-version`: provider polling alone', verdict.polling),
    '',
  ].join('\n');
  const at = (phase: string, interval: number) =>
    waits.find((w) => w.phase === phase && w.interval === interval)?.counts ?? [];
  return {
    markdown,
    figures: {
      cloudRunRequestsPer10MinDefault: percentile(at('reconciling', 5000), 50),
      cloudRunRoutingRequestsPer10MinDefault: percentile(at('routing', 5000), 50),
      cloudRunRequestsPer10MinMax: Math.max(...waits.flatMap((w) => w.counts)),
      cloudRunReadyToVerdictMedianMs: percentile(verdict.version, 50),
      cloudRunReadyToVerdictP90Ms: percentile(verdict.version, 90),
      cloudRunReadyToVerdictPollingMedianMs: percentile(verdict.polling, 50),
    },
  };
}

// `node … bench/cloud-run.ts` on its own prints the section (bench/index.ts runs it with the others).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const section = await benchCloudRun(Number(process.env.TRIALS ?? 3));
  console.log(section.markdown);
  console.log(JSON.stringify(section.figures, null, 2));
}
