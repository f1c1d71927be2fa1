#!/usr/bin/env node
// `npm run demo`: the built action (dist/) against the bundled example service, run the way the GitHub
// runner runs it (test-kit/runner's Job: every action.yml input with its default, pre before checkout,
// post after main whatever it decided). No accounts, no network: everything listens on 127.0.0.1, and
// PostgreSQL is PGlite, embedded. GitHub's API, which pre reads the checks file through, is the emulator.
//
// Job 1 deploys a good release: the canary is written before the deploy, the deploy is verified live
// on the new version, healthy by the schema, the smoke checks pass and the canary survived.
// Job 2 deploys a release whose DATABASE_URL is broken: the service silently falls back to SQLite and
// still says "ok" (field failure F1). The action fails it and names /database/type.
// Job 3 does the same on Render, against an emulated Render API: the action follows the deploy to live,
// fails it, rolls it back through the API and verifies the restored deploy.
//
// Exit code 0 only when all three jobs end as described.
import { startRenderEmulator } from '../test-kit/emulators/render-emulator.ts';
import { startEmbeddedPostgres, startExampleService } from '../test-kit/example-service.ts';
import { startRepository } from '../test-kit/repository.ts';
import { summaryAsText } from '../test-kit/summary-text.ts';

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const rule = (title) => console.log(`\n${bold(`━━━ ${title} `.padEnd(78, '━'))}`);

const PREVIOUS = '0f0e0d0c0b0a09080706050403020100f0e0d0c0';
const GOOD = '1111111aaaaaaaa2222222bbbbbbbb3333333ccc';
const BROKEN = '2222222bbbbbbbb3333333cccccccc4444444ddd';
const RENDER_RELEASE = '3333333cccccccc4444444dddddddd5555555eee';
const BROKEN_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:1/postgres';
const RENDER_TOKEN = 'rnd_demoApiKeyNotARealOne01';
const RENDER_SERVICE = 'srv-demo000000000000001';

/** The workflow's `with:` for a push of `sha`: files of the repository, checked out before main. */
const inputs = (sha, extra = {}) => ({
  'expect-version': sha,
  'health-schema': 'health-schema.yaml',
  checks: 'checks.yml',
  timeout: '60s',
  interval: '1s',
  // A short soak, so the demo shows the watch after the pass without the default's 30 seconds.
  soak: '3s',
  ...extra,
});

/**
 * One CI job on a push of `sha`: pre (canary on the release that is live now, the checks file read through
 * the GitHub API since checkout has not run), the deploy, main (verify), post (clean up).
 */
async function job(title, sha, withInputs, deploy) {
  rule(title);
  const repository = await startRepository({ sha });
  try {
    const runner = repository.job({ env: { SMOKE_PASSWORD: 'demo-password' } });
    const pre = await runner.run('pre', withInputs);
    const read = pre.stdout.includes('from the repository') ? 'checks.yml read through the GitHub API; ' : '';
    const written = /canary written/.test(pre.stdout) ? 'canary written' : 'no canary written';
    console.log(`pre:    exit ${pre.exitCode}; ${read}${written} to the release that is live now`);
    console.log(`deploy: ${await deploy()}`);
    const main = await runner.run('main', withInputs);
    console.log(
      `main:   exit ${main.exitCode}; result=${main.outputs.result} failure-reason=${main.outputs['failure-reason'] || '-'}`,
    );
    const post = await runner.run('post', withInputs);
    const postWarning = /::warning[^:]*::(.*)/.exec(post.stdout)?.[1];
    console.log(
      `post:   exit ${post.exitCode}; ${postWarning ? `warning: ${postWarning}` : 'canary deleted'}`,
    );
    console.log('\nJob summary:\n');
    console.log(summaryAsText(main.summary).trim());
    return main;
  } finally {
    await repository.close();
  }
}

/** Job 3's Render: the previous release live, ours building; a rollback restarts the previous release. */
async function emulatedRender(service, databaseUrl) {
  const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const render = await startRenderEmulator({
    token: RENDER_TOKEN,
    serviceId: RENDER_SERVICE,
    serviceName: 'notes-api',
    serviceUrl: service.url,
    deploys: [
      { id: 'dep-demoprevious000001', commit: GOOD, status: 'live', createdAt: at(60), finishedAt: at(55) },
      { id: 'dep-demorelease0000001', commit: RENDER_RELEASE, status: 'build_in_progress', createdAt: at(1) },
    ],
  });
  // pre's look at the deploys takes the first step; main sees the build finish and the release go live.
  render.script('dep-demorelease0000001', ['build_in_progress', 'update_in_progress', 'live'], {
    onLive: async () => {
      const before = service.logs().length;
      await service.restart({ version: RENDER_RELEASE, databaseUrl: BROKEN_DATABASE_URL });
      // What Render would show as the release's logs: the example service's own output since it started.
      const lines = service
        .logs()
        .slice(before)
        .split('\n')
        .filter((line) => line.trim() !== '');
      render.addLogs(lines.map((message) => ({ message, timestamp: new Date().toISOString(), type: 'app' })));
    },
  });
  render.onRollback(async () => ({
    status: 201,
    onLive: () => service.restart({ version: GOOD, databaseUrl }),
  }));
  return render;
}

const postgres = await startEmbeddedPostgres();
const service = await startExampleService({
  version: PREVIOUS,
  databaseUrl: postgres.url,
  smokePassword: 'demo-password',
});
let exitCode;
try {
  const good = await job('Job 1: a good deploy', GOOD, inputs(GOOD, { url: service.url }), async () => {
    await service.restart({ version: GOOD });
    return `release ${GOOD.slice(0, 7)} with a working DATABASE_URL`;
  });
  const broken = await job(
    'Job 2: a deploy whose database URL is broken',
    BROKEN,
    inputs(BROKEN, { url: service.url }),
    async () => {
      await service.restart({ version: BROKEN, databaseUrl: BROKEN_DATABASE_URL });
      return `release ${BROKEN.slice(0, 7)} with DATABASE_URL pointing at a closed port`;
    },
  );

  // Production is back on the good release, and Render (emulated) deploys the next one.
  await service.restart({ version: GOOD, databaseUrl: postgres.url });
  const render = await emulatedRender(service, postgres.url);
  let onRender;
  try {
    onRender = await job(
      'Job 3: a Render deploy that falls back to SQLite (Render API emulated)',
      RENDER_RELEASE,
      inputs(RENDER_RELEASE, {
        provider: 'render',
        'api-token': RENDER_TOKEN,
        'service-id': RENDER_SERVICE,
        'api-url': render.url,
      }),
      async () =>
        `Render (emulated) builds release ${RENDER_RELEASE.slice(0, 7)} as deploy dep-demorelease0000001; ` +
        'it goes live with DATABASE_URL pointing at a closed port',
    );
    console.log('\nCalls to the emulated Render API (its request log):');
    for (const call of render.requests)
      console.log(`  ${call.method.padEnd(5)} ${call.path}  -> ${call.status}`);
    if (render.violations.length > 0)
      console.log(`\nRender API contract violations:\n  ${render.violations.join('\n  ')}`);
  } finally {
    await render.close();
  }

  rule('Verdicts');
  const caught = broken.outputs.result === 'failed' && broken.summary.includes('/database/type');
  const restored = onRender.report?.probes.filter((p) => p.name.startsWith('Restored deploy: ')) ?? [];
  const rolledBack =
    onRender.outputs.result === 'rolled-back' &&
    onRender.outputs['failure-reason'] === 'health-schema' &&
    restored.length > 0 &&
    restored.every((p) => p.passed) &&
    render.violations.length === 0;
  console.log(`Job 1 (good deploy):               ${good.outputs.result}`);
  console.log(
    `Job 2 (silent fallback):           ${broken.outputs.result} (${broken.outputs['failure-reason']})`,
  );
  console.log(`  ${broken.report?.failureMessage ?? ''}`);
  console.log(
    `Job 3 (Render, emulated API):      ${onRender.outputs.result} (${onRender.outputs['failure-reason']}); ` +
      `rolled back to dep-demoprevious000001 as ${onRender.outputs['rollback-deploy-id'] || '-'}`,
  );
  console.log(`  ${onRender.report?.failureMessage ?? ''}`);
  console.log(
    `  restored deploy verified: ${restored.length > 0 && restored.every((p) => p.passed) ? 'yes' : 'NO'} (${restored.filter((p) => p.passed).length}/${restored.length} probes passed)`,
  );
  exitCode = good.outputs.result === 'passed' && caught && rolledBack ? 0 : 1;
  console.log(
    exitCode === 0
      ? '\nThe demo behaved as expected: a pass, the caught silent fallback, and on Render a verified rollback.'
      : '\nUnexpected verdicts: see above.',
  );
} finally {
  await service.stop();
  await postgres.stop();
}
process.exit(exitCode);
