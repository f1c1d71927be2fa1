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
import { RenderProvider } from '../src/providers/render/provider.js';
import { SecretRegistry } from '../src/secrets.js';
import { startRenderEmulator } from '../test-kit/emulators/render-emulator.js';
import { startEmbeddedPostgres, startExampleService } from '../test-kit/example-service.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEAK_RSS_PRELOAD, peakRssMiB, runSentinel } from './lib/proc.js';
import { measured, median, mib, percentile, type Section } from './lib/stats.js';

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
    redact: (text) => text,
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

/**
 * Milliseconds from the deploy going live to dist/main's exit. The deploy sits in `update_in_progress`
 * and goes live at a random moment 2-8 s after the run starts (the new version starts serving and the
 * emulator's next answer says `live`), so the figure includes how long the action takes to notice.
 */
async function liveToVerdict(
  svc: Awaited<ReturnType<typeof startExampleService>>,
  databaseUrl: string,
  variant: 'hint' | 'polling' | 'checks',
): Promise<{ ms: number; rssMiB?: number }> {
  await svc.restart({ version: OLD, databaseUrl });
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
  let liveAt = 0;
  const goLive = setTimeout(
    () => {
      void svc.restart({ version: SHA, databaseUrl }).then(() => {
        liveAt = Date.now();
        emulator.script('dep-ours00000000000000', ['live']);
      });
    },
    2000 + Math.random() * 6000,
  );
  try {
    const inputs = {
      provider: 'render',
      'api-token': TOKEN,
      'service-id': SERVICE_ID,
      'api-url': emulator.url,
      commit: SHA,
      // Without expect-version there is no version to watch for: live is noticed by polling alone.
      ...(variant === 'polling' ? {} : { 'expect-version': SHA }),
      ...(variant === 'checks'
        ? {
            'health-schema': 'health-schema.yaml',
            checks: join(root, 'bench', 'fixtures', 'checks-no-canary.yml'),
          }
        : {}),
      timeout: '60s',
      // To the pass: the soak adds its window (default 30s) on top by design, measured in the verdict section.
      soak: '0s',
    };
    // A push of SHA: the example repository (health-schema.yaml) checked out before main.
    const { run } = await runSentinel(inputs, {
      repository: join(root, 'examples', 'demo'),
      github: { sha: SHA },
      env: { SMOKE_PASSWORD: 'pw' },
    });
    const ended = Date.now();
    if (run.outputs.result !== 'passed')
      throw new Error(`expected a pass, got ${run.outputs.result}: ${run.stdout}`);
    if (!liveAt) throw new Error('the run passed before the deploy went live');
    return { ms: ended - liveAt, rssMiB: peakRssMiB(run.stderr) };
  } finally {
    clearTimeout(goLive);
    await emulator.close();
  }
}

/** The baseline: a fresh Node process that fetches /health once. */
function oneShot(url: string): { ms: number; rssMiB?: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, [
    `--import=${PEAK_RSS_PRELOAD}`,
    '-e',
    `fetch(${JSON.stringify(url + '/health')}).then(r=>r.text())`,
  ]);
  if (result.status !== 0) throw new Error(`baseline failed: ${result.stderr}`);
  return { ms: Date.now() - started, rssMiB: peakRssMiB(String(result.stderr)) };
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
  const verdict = {
    hint: [] as number[],
    polling: [] as number[],
    checks: [] as number[],
    baseline: [] as number[],
  };
  const rss: Record<keyof typeof verdict, (number | undefined)[]> = {
    hint: [],
    polling: [],
    checks: [],
    baseline: [],
  };
  const record = (key: keyof typeof verdict, run: { ms: number; rssMiB?: number }) => {
    verdict[key].push(run.ms);
    rss[key].push(run.rssMiB);
  };
  try {
    for (let i = 0; i < trials; i++) {
      record('baseline', oneShot(svc.url));
      record('hint', await liveToVerdict(svc, postgres.url, 'hint'));
      record('polling', await liveToVerdict(svc, postgres.url, 'polling'));
      record('checks', await liveToVerdict(svc, postgres.url, 'checks'));
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
  const timeRow = (label: string, key: keyof typeof verdict) => {
    const values = verdict[key];
    const peak = measured(rss[key]);
    return `| ${label} | ${percentile(values, 50)} ms | ${percentile(values, 90)} ms | ${(percentile(values, 50) / base).toFixed(1)}× | ${mib(peak.length ? median(peak) : undefined)} |`;
  };
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
    'The deploy sits in `update_in_progress` and goes live at a random moment 2-8 s after the run starts; the',
    'figure is the time from that moment until `dist/main` exits with its verdict, run as the runner runs it',
    '(default `interval` of 5 s). Baseline: a fresh Node process that fetches `/health` once, the least any',
    'tool must do after live.',
    '',
    '| run | median | p90 | ratio to baseline | peak RSS (median) |',
    '|---|---|---|---|---|',
    timeRow('baseline: one `/health` fetch in a new process', 'baseline'),
    timeRow('Deploy Sentinel, `expect-version` set: version + 2 confirming health checks', 'hint'),
    timeRow('Deploy Sentinel, `expect-version` set: + health schema + 2 checks', 'checks'),
    timeRow('Deploy Sentinel without `expect-version`: provider polling alone', 'polling'),
    '',
    'Where the time goes: with `expect-version`, the action asks the service for its version every second',
    'while Render reports `update_in_progress`, and polls the API at once when the new version answers, so',
    'going live is noticed within about a second without spending API requests. Without a version to watch',
    'for, only the API poll notices, up to one poll delay later (5 s after a status change, growing to',
    '15 s). Then the second confirming health check follows the first by 500 ms (`success-threshold: 2`,',
    'which stops one lucky response from passing a flapping service), and the checks run.',
    '',
  ].join('\n');
  return {
    markdown,
    figures: {
      renderRequestsPer10MinDefault: percentile(waits['5s (default)'] ?? [], 50),
      renderRequestsPer10MinMax: Math.max(...Object.values(waits).flat()),
      renderLiveToVerdictMedianMs: percentile(verdict.hint, 50),
      renderLiveToVerdictP90Ms: percentile(verdict.hint, 90),
      renderLiveToVerdictPollingMedianMs: percentile(verdict.polling, 50),
      renderLiveToVerdictChecksMedianMs: percentile(verdict.checks, 50),
      ...(measured(rss.hint).length
        ? { renderLiveToVerdictPeakRssMiB: Number(median(measured(rss.hint)).toFixed(1)) }
        : {}),
    },
  };
}
