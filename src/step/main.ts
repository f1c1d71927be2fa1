import * as core from '@actions/core';
import { getConfig, runnerConfigSource } from '../config/index.js';
import type { RunEvent } from '../event.js';
import { publishVerdict } from '../github.js';
import { publishConfigError, publishOutcome, runnerPublisher } from '../report.js';
import type { Result } from '../results.js';
import { RunRecord, type RunOutcome } from '../run/outcome.js';
import { runVerification } from '../run/sequence.js';
import { runSettings } from '../run/settings.js';
import { runStep, type StepEnd } from './harness.js';

/** Results that fail the step (DESIGN.md): `superseded` warns and passes. */
const FAILING_RESULTS = new Set<Result>(['failed', 'rolled-back', 'rollback-failed']);

/**
 * The main step: read the configuration, verify (and roll back), publish the verdict everywhere people
 * look, and set the step's exit status once. A cancelled job still leaves its outputs, summary and report,
 * saying whether a rollback was in flight.
 */
export async function run(): Promise<void> {
  const publisher = runnerPublisher();
  let record: RunRecord | undefined;
  let published = false;
  await runStep({
    name: 'main',
    wanted: ({ event }) => !undeployed(event),
    configure: ({ event, state, secrets }) =>
      getConfig({ ...runnerConfigSource, runNonce: state.runNonce(), event }, secrets),
    configError: async (error, { secrets }) => {
      await publishConfigError(error, publisher, secrets, Date.now());
      return { failed: error.message };
    },
    body: async (config, runtime, context) => {
      for (const note of config.notes) core.info(`Deploy Sentinel: ${note}`);
      const settings = runSettings(config);
      record = new RunRecord(runtime.clock, runtime.log, {
        expectVersion: settings.expectVersion,
        provider: settings.provider?.name,
      });
      let outcome: RunOutcome;
      try {
        outcome = await runVerification(settings, runtime, record);
      } catch (error) {
        // A bug, not a verdict: still publish a failed result with the evidence, so nothing passes silently.
        outcome = record.crashed(error);
      }
      published = true;
      const { report, markdown } = await publishOutcome(outcome, publisher, context.secrets);
      // Octokit loads inside, only when there is a token and a repository to publish to.
      const warnings = await publishVerdict({
        settings: { token: config.githubToken, comment: config.comment, commit: config.commit },
        event: context.event,
        report,
        markdown,
        dispatcher: runtime.dispatcher,
        env: process.env,
      });
      for (const warning of warnings)
        core.warning(context.secrets.redact(warning), { title: 'Deploy Sentinel' });
      return verdictEnd(outcome);
    },
    cancelled: async (signal, { secrets }) => {
      if (!record || published) return undefined;
      published = true;
      const outcome = record.cancelled(signal);
      await publishOutcome(outcome, publisher, secrets);
      return verdictEnd(outcome);
    },
  });
}

/** The step's last line: the verdict, failing the step for failing results. */
function verdictEnd(outcome: RunOutcome): StepEnd {
  const verdict = `Deploy Sentinel: ${outcome.result}${outcome.failureMessage ? ` — ${outcome.failureMessage}` : ''}`;
  return FAILING_RESULTS.has(outcome.result) ? { failed: verdict } : { info: verdict };
}

/**
 * A deployment_status event for a deploy that did not succeed (failure, error), has not finished (pending,
 * queued, in progress) or was retired (inactive): there is nothing to verify. The provider's own status
 * already tells the story, so the step neither passes the deploy nor fails it.
 */
function undeployed(event: RunEvent): boolean {
  const status = event.deploymentStatus;
  if (!status || status.state === 'success') return false;
  core.notice(
    `The deployment to "${status.environment}" is "${status.state}", not "success": nothing to verify, so ` +
      "Deploy Sentinel gives no verdict. Add `if: github.event.deployment_status.state == 'success'` to the job to skip such runs.",
    { title: 'Deploy Sentinel: no verdict' },
  );
  core.setOutput('result', '');
  return true;
}
