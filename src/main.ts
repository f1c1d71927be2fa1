import * as core from '@actions/core';
import { getConfig, runnerConfigSource, type Config } from './config.js';
import { ConfigError, errorMessage } from './errors.js';
import { readRunEvent, type RunEvent } from './event.js';
import { execute, type RunOutcome } from './execute.js';
import { publishToGitHub, pullRequestForCommit, type GitHubContext } from './github.js';
import type { JsonReport } from './report.js';
import { publishConfigError, publishOutcome, runnerPublisher } from './report.js';
import { createRuntime } from './runtime.js';
import { SecretRegistry } from './secrets.js';
import { ActionState } from './state.js';

/** Results that fail the step (DESIGN.md): `superseded` warns and passes. */
const FAILING_RESULTS = new Set(['failed', 'rolled-back', 'rollback-failed']);

/** The main step: read config, verify, publish, and set the step's exit status once. */
export async function run(): Promise<void> {
  const secrets = new SecretRegistry();
  const publisher = runnerPublisher();
  const event = readRunEvent(process.env);
  const status = event.deploymentStatus;
  if (status && status.state !== 'success') {
    // Not deployed (failure, error), not finished (pending, queued, in progress) or retired (inactive):
    // there is no deploy to verify. The provider's own status already tells the story, so the step neither
    // passes the deploy nor fails it.
    core.notice(
      `The deployment to "${status.environment}" is "${status.state}", not "success": nothing to verify, so ` +
        "Deploy Sentinel gives no verdict. Add `if: github.event.deployment_status.state == 'success'` to the job to skip such runs.",
      { title: 'Deploy Sentinel: no verdict' },
    );
    core.setOutput('result', '');
    return;
  }
  let config: Config;
  try {
    config = getConfig({ ...runnerConfigSource, runNonce: new ActionState().runNonce(), event }, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await publishConfigError(error, publisher, secrets, Date.now());
    core.setFailed(secrets.redact(error.message));
    return;
  }

  for (const note of config.notes) core.info(`Deploy Sentinel: ${note}`);
  const runtime = createRuntime(config.requestTimeoutMs, secrets);
  let outcome: RunOutcome;
  try {
    try {
      outcome = await execute(config, runtime);
    } catch (error) {
      // A bug, not a verdict: still publish a failed result with the evidence, so nothing passes silently.
      const now = Date.now();
      outcome = {
        result: 'failed',
        failureReason: 'internal-error',
        failureMessage: `Deploy Sentinel crashed: ${(error as Error).stack ?? String(error)}`,
        probes: [],
        phases: [],
        rollback: { performed: false, note: 'not considered: the run crashed before a verdict' },
        warnings: [],
        startedAt: now,
        finishedAt: now,
      };
    }
    const { report, markdown } = await publishOutcome(outcome, publisher, secrets);
    for (const warning of await publishOnGitHub(config, event, report, markdown, runtime.dispatcher)) {
      core.warning(secrets.redact(warning), { title: 'Deploy Sentinel' });
    }
  } finally {
    await runtime.close();
  }
  const verdict = `Deploy Sentinel: ${outcome.result}${outcome.failureMessage ? ` — ${outcome.failureMessage}` : ''}`;
  if (FAILING_RESULTS.has(outcome.result)) core.setFailed(secrets.redact(verdict));
  else core.info(secrets.redact(verdict));
}

/** The sticky PR comment and the check run; warnings only, the verdict is already published. */
async function publishOnGitHub(
  config: Config,
  event: RunEvent,
  report: JsonReport,
  markdown: string,
  dispatcher: Parameters<typeof publishToGitHub>[0]['dispatcher'],
): Promise<string[]> {
  const env = process.env;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!config.githubToken || !owner || !repo) return [];
  const apiUrl = env.GITHUB_API_URL || 'https://api.github.com';
  const sha = event.deploymentStatus?.sha || event.pullRequest?.headSha || env.GITHUB_SHA || config.commit;
  const warnings: string[] = [];
  let pullNumber = event.pullRequest?.number ?? event.deploymentStatus?.pullNumber;
  if (pullNumber === undefined && config.comment !== 'never' && event.deploymentStatus) {
    try {
      pullNumber = await pullRequestForCommit({
        token: config.githubToken,
        apiUrl,
        dispatcher,
        owner,
        repo,
        sha,
      });
    } catch (error) {
      warnings.push(
        `Could not find the pull request of commit ${sha.slice(0, 12)} for the comment: ${errorMessage(error)}.`,
      );
    }
  }
  const context: GitHubContext = {
    owner,
    repo,
    eventName: event.name,
    sha,
    pullNumber,
    environment:
      event.deploymentStatus?.environment ||
      report.deploy.service ||
      (report.url ? new URL(report.url).host : 'service'),
    workflow: env.GITHUB_WORKFLOW ?? 'workflow',
    runUrl: `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
  };
  const published = await publishToGitHub({
    token: config.githubToken,
    apiUrl,
    dispatcher,
    context,
    comment: config.comment,
    report: {
      result: report.result,
      conclusion:
        report.result === 'passed' ? 'success' : report.result === 'superseded' ? 'neutral' : 'failure',
      title: `${report.result}${report.failureReason ? ` (${report.failureReason})` : ''}`,
      markdown,
      deployUrl: report.deploy.dashboardUrl,
    },
  });
  return [...warnings, ...published.warnings];
}

run().catch((error: unknown) => {
  // A bug, not a verdict: say so plainly, with the stack, and fail the step.
  core.setFailed(`Deploy Sentinel crashed: ${(error as Error).stack ?? String(error)}`);
});
