#!/usr/bin/env node
// `npm run demo`: the built action (dist/) against the bundled example service, run the way the GitHub
// runner runs it. No accounts, no network: PostgreSQL is PGlite, embedded, on 127.0.0.1.
//
// Job 1 deploys a good release: the canary is written before the deploy, the deploy is verified live
// on the new version, healthy by the schema, the smoke checks pass and the canary survived.
// Job 2 deploys a release whose DATABASE_URL is broken: the service silently falls back to SQLite and
// still says "ok" (field failure F1). The action fails it and names /database/type.
import { startEmbeddedPostgres, startExampleService } from '../test-kit/example-service.ts';
import { JobRunner, summaryAsText } from './lib/action-runner.mjs';

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const rule = (title) => console.log(`\n${bold(`━━━ ${title} `.padEnd(78, '━'))}`);

const inputs = (url, version) => ({
  url,
  'expect-version': version,
  'health-schema': 'examples/demo/health-schema.yaml',
  checks: 'examples/demo/checks.yml',
  timeout: '60s',
  interval: '1s',
});

/** One CI job: pre (canary on the old release), the deploy, main (verify), post (clean up). */
async function job(title, service, release) {
  rule(title);
  const runner = new JobRunner({ workspace: process.cwd(), env: { SMOKE_PASSWORD: 'demo-password' } });
  const pre = await runner.run('pre', inputs(service.url, release.version));
  console.log(`pre:    exit ${pre.exitCode}; canary written to the release that is live now`);
  await service.restart(release.changes);
  console.log(`deploy: ${release.description}`);
  const main = await runner.run('main', inputs(service.url, release.version));
  const post = await runner.run('post', inputs(service.url, release.version));
  console.log(
    `main:   exit ${main.exitCode}; result=${main.outputs.result} failure-reason=${main.outputs['failure-reason'] || '-'}`,
  );
  const postWarning = /::warning[^:]*::(.*)/.exec(post.stdout)?.[1];
  console.log(`post:   exit ${post.exitCode}; ${postWarning ? `warning: ${postWarning}` : 'canary deleted'}`);
  console.log('\nJob summary:\n');
  console.log(summaryAsText(main.summary).trim());
  return main;
}

const postgres = await startEmbeddedPostgres();
const service = await startExampleService({
  version: 'v0-previous',
  databaseUrl: postgres.url,
  smokePassword: 'demo-password',
});
let exitCode;
try {
  const good = await job('Job 1: a good deploy', service, {
    version: '1111111aaaaaaa',
    description: 'release 1111111 with a working DATABASE_URL',
    changes: { version: '1111111aaaaaaa' },
  });
  const broken = await job('Job 2: a deploy whose database URL is broken', service, {
    version: '2222222bbbbbbb',
    description: 'release 2222222 with DATABASE_URL pointing at a closed port',
    changes: { version: '2222222bbbbbbb', databaseUrl: 'postgres://postgres:postgres@127.0.0.1:1/postgres' },
  });

  rule('Verdicts');
  const caught = broken.outputs.result === 'failed' && broken.summary.includes('/database/type');
  console.log(`Job 1 (good deploy):     ${good.outputs.result}`);
  console.log(`Job 2 (silent fallback): ${broken.outputs.result} (${broken.outputs['failure-reason']})`);
  console.log(`  ${broken.report?.failureMessage ?? ''}`);
  exitCode = good.outputs.result === 'passed' && caught ? 0 : 1;
  console.log(
    exitCode === 0
      ? '\nThe demo behaved as expected: a pass, then the caught silent fallback.'
      : '\nUnexpected verdicts: see above.',
  );
} finally {
  await service.stop();
  await postgres.stop();
}
process.exit(exitCode);
