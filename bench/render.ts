/**
 * Render provider benchmarks, against the Render API emulator (which validates every call against
 * Render's OpenAPI document):
 *
 * 1. API requests a 10-minute deploy wait sends: the real RenderProvider over real HTTP, with a simulated
 *    clock so ten minutes take a second. Rate budget: Render allows 400 GETs a minute; we aim far lower.
 * 2. Time from the deploy going live to the verdict: dist/main run as the runner runs it, against the
 *    emulator and the example service, side by side with a one-shot baseline (a fresh Node process that
 *    fetches /health once: the least any tool must do after live).
 */
import { createDispatcher, createHttpClient } from '../src/http.js';
import { Deadline } from '../src/poll.js';
import { RenderProvider } from '../src/providers/render.js';
import { SecretRegistry } from '../src/secrets.js';
import { startRenderEmulator } from '../__tests__/support/render-emulator.js';
import { JobRunner } from '../scripts/lib/action-runner.mjs';
import { startEmbeddedPostgres, startExampleService } from '../scripts/lib/example-service.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, type Section } from './lib/stats.js';

const TOKEN = 'rnd_benchToken000000000000';
const SERVICE_ID = 'srv-bench0000000000000001';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const root = fileURLToPath(new URL('..', import.meta.url));

/** Requests one simulated 10-minute wait sends, for a deploy that never leaves build_in_progress. */
async function requestsPerTenMinutes(intervalMs: number): Promise<number> {
  const emulator = await startRenderEmulator({
    token: TOKEN,
    serviceId: SERVICE_ID,
    serviceUrl: 'http://127.0.0.1:9',
    deploys: [
      {
        id: 'dep-bench0000000000000',
        commit: SHA,
        status: 'build_in_progress',
        createdAt: new Date().toISOString(),
      },
    ],
  });
  let now = 0;
  const clock = { now: () => now };
  const sleep = async (ms: number) => {
    now += ms;
  };
  const dispatcher = createDispatcher();
  const deadline = Deadline.after(clock, 600_000);
  const provider = new RenderProvider({
    apiUrl: new URL(emulator.url),
    token: TOKEN,
    serviceId: SERVICE_ID,
    http: createHttpClient({ dispatcher, secrets: new SecretRegistry(() => {}), timeoutMs: 10_000 }),
    clock,
    sleep,
    log: () => {},
    budget: deadline,
    requestTimeoutMs: 10_000,
    intervalMs,
  });
  try {
    await provider.waitForDeploy('dep-bench0000000000000', deadline, () => {});
    if (emulator.violations.length > 0)
      throw new Error(`emulator violations: ${emulator.violations.join('; ')}`);
    return emulator.requests.length;
  } finally {
    await dispatcher.close();
    await emulator.close();
  }
}

/** Milliseconds from Render reporting live (with the new version serving) to dist/main's exit. */
async function liveToVerdict(
  svc: Awaited<ReturnType<typeof startExampleService>>,
  databaseUrl: string,
  withChecks: boolean,
): Promise<number> {
  await svc.restart({ version: OLD, databaseUrl });
  let liveAt = 0;
  const emulator = await startRenderEmulator({
    token: TOKEN,
    serviceId: SERVICE_ID,
    serviceUrl: svc.url,
    deploys: [
      {
        id: 'dep-previous0000000000',
        commit: OLD,
        status: 'live',
        createdAt: new Date(Date.now() - 3_600_000).toISOString(),
      },
      {
        id: 'dep-ours00000000000000',
        commit: SHA,
        status: 'update_in_progress',
        createdAt: new Date().toISOString(),
      },
    ],
  });
  emulator.script('dep-ours00000000000000', ['update_in_progress', 'live'], {
    onLive: async () => {
      await svc.restart({ version: SHA, databaseUrl });
      liveAt = Date.now();
    },
  });
  try {
    const runner = new JobRunner({
      workspace: join(root, 'examples', 'demo'),
      env: { SMOKE_PASSWORD: 'pw' },
    });
    const inputs = {
      provider: 'render',
      'api-token': TOKEN,
      'service-id': SERVICE_ID,
      'api-url': emulator.url,
      commit: SHA,
      'expect-version': SHA,
      ...(withChecks
        ? {
            'health-schema': 'health-schema.yaml',
            checks: join(root, 'bench', 'fixtures', 'checks-no-canary.yml'),
          }
        : {}),
      timeout: '60s',
    };
    const run = await runner.run('main', inputs);
    const ended = Date.now();
    if (run.outputs.result !== 'passed')
      throw new Error(`expected a pass, got ${run.outputs.result}: ${run.stdout}`);
    return ended - liveAt;
  } finally {
    await emulator.close();
  }
}

/** The baseline: a fresh Node process that fetches /health once. */
function oneShot(url: string): number {
  const started = Date.now();
  const result = spawnSync(process.execPath, [
    '-e',
    `fetch(${JSON.stringify(url + '/health')}).then(r=>r.text())`,
  ]);
  if (result.status !== 0) throw new Error(`baseline failed: ${result.stderr}`);
  return Date.now() - started;
}

/** Runs the Render benchmarks and returns their section of RESULTS.md. */
export async function benchRender(trials: number): Promise<Section> {
  const waits: Record<string, number[]> = {};
  for (const [label, interval] of [
    ['5s (default)', 5000],
    ['1s', 1000],
    ['200ms', 200],
  ] as const) {
    waits[label] = [];
    for (let i = 0; i < trials; i++) waits[label].push(await requestsPerTenMinutes(interval));
  }

  const postgres = await startEmbeddedPostgres();
  const svc = await startExampleService({ version: OLD, databaseUrl: postgres.url, smokePassword: 'pw' });
  const verdict = { health: [] as number[], checks: [] as number[], baseline: [] as number[] };
  try {
    for (let i = 0; i < trials; i++) {
      verdict.baseline.push(oneShot(svc.url));
      verdict.health.push(await liveToVerdict(svc, postgres.url, false));
      verdict.checks.push(await liveToVerdict(svc, postgres.url, true));
    }
  } finally {
    await svc.stop();
    await postgres.stop();
  }

  const base = percentile(verdict.baseline, 50);
  const rows = Object.entries(waits).map(
    ([label, counts]) =>
      `| ${label} | ${percentile(counts, 50)} | ${percentile(counts, 90)} | ${Math.max(...counts)} | ${(percentile(counts, 50) / 120).toFixed(2)} |`,
  );
  const timeRow = (label: string, values: number[]) =>
    `| ${label} | ${percentile(values, 50)} ms | ${percentile(values, 90)} ms | ${(percentile(values, 50) / base).toFixed(1)}× |`;
  const markdown = [
    '## Render provider',
    '',
    `### API requests during a 10-minute deploy wait (${trials} trials each)`,
    '',
    'A deploy that stays `build_in_progress` for ten minutes, followed by the real `RenderProvider` over real',
    'HTTP against the Render emulator, with a simulated clock. The target is fewer than 120 requests.',
    '',
    '| `interval` | median | p90 | max | ratio to the 120 budget |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `### From \`live\` to the verdict (${trials} trials each)`,
    '',
    'The time from the moment the emulator reports the deploy `live` (with the new version already serving)',
    'until `dist/main` exits with its verdict, run as the runner runs it. Baseline: a fresh Node process that',
    'fetches `/health` once, the least any tool must do after live.',
    '',
    '| run | median | p90 | ratio to baseline |',
    '|---|---|---|---|',
    timeRow('baseline: one `/health` fetch in a new process', verdict.baseline),
    timeRow('Deploy Sentinel: version + 2 confirming health checks', verdict.health),
    timeRow('Deploy Sentinel: + health schema + 2 checks', verdict.checks),
    '',
    'Where the time goes: the second confirming health check follows the first by 500 ms',
    '(`success-threshold: 2`), which is what stops one lucky response from passing a flapping service; the',
    'rest is the checks, the report and the process exit. Not included: the delay before a poll sees `live`.',
    'The emulator turns a deploy live exactly when it is polled; on Render the poll that sees it comes at most',
    'one poll delay later: `interval` (5 s by default) right after a status change, growing to 15 s while',
    'nothing changes.',
    '',
  ].join('\n');
  return {
    markdown,
    figures: {
      renderRequestsPer10MinDefault: percentile(waits['5s (default)'] ?? [], 50),
      renderRequestsPer10MinMax: Math.max(...Object.values(waits).flat()),
      renderLiveToVerdictMedianMs: percentile(verdict.health, 50),
      renderLiveToVerdictChecksMedianMs: percentile(verdict.checks, 50),
    },
  };
}
