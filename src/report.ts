import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import type { ConfigError } from './errors.js';
import { formatProblem } from './errors.js';
import type { RunOutcome } from './run/outcome.js';
import { formatDuration } from './duration.js';
import type { ProbeResult, Result } from './results.js';
import type { SecretRegistry } from './secrets.js';

/** Version of the JSON report's shape; bumped on any breaking change (see docs/report-format.md). */
export const REPORT_FORMAT_VERSION = 1;

/** The JSON report written to disk and named by the `report` output. */
export interface JsonReport {
  formatVersion: number;
  result: Result;
  failureReason: string | null;
  failureMessage: string | null;
  url: string | null;
  expectedVersion: string | null;
  version: string | null;
  deploy: {
    id: string | null;
    status: string | null;
    provider?: string;
    commit?: string;
    service?: string;
    dashboardUrl?: string;
  };
  rollback: {
    performed: boolean;
    deployId: string | null;
    note: string;
    targetId?: string;
    call?: string;
    /** True when the rollback turned the provider's auto-deploy off; `resumeAutoDeploy` says how to undo it. */
    autoDeployPaused?: boolean;
    resumeAutoDeploy?: string;
  };
  /** Provider logs and the diagnosis, when a deploy failed. */
  evidence?: RunOutcome['evidence'];
  /** What production served after a deploy failed before going live. */
  production?: RunOutcome['production'];
  apiRequests?: number;
  probes: ProbeResult[];
  phases: { name: string; startedAt: string; durationMs: number; outcome: string; note?: string }[];
  configProblems: string[];
  warnings: string[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** Where published output goes; the runner's implementation uses @actions/core. */
export interface Publisher {
  setOutput(name: string, value: string): void;
  error(message: string, title: string): void;
  warning(message: string, title: string): void;
  notice(message: string, title: string): void;
  /** Appends markdown to the job summary. */
  writeSummary(markdown: string): Promise<void>;
  /** Directory for the JSON report. */
  reportDir: string;
  runId: string;
}

export const runnerPublisher = (env: Record<string, string | undefined> = process.env): Publisher => ({
  setOutput: (name, value) => core.setOutput(name, value),
  error: (message, title) => core.error(message, { title }),
  warning: (message, title) => core.warning(message, { title }),
  notice: (message, title) => core.notice(message, { title }),
  writeSummary: async (markdown) => {
    if (!env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(markdown, true).write();
  },
  reportDir: env.RUNNER_TEMP || tmpdir(),
  runId: env.GITHUB_RUN_ID ?? 'local',
});

const HEADLINE: Record<Result, string> = {
  passed: '✅ Deploy verified',
  failed: '❌ Deploy failed verification',
  'rolled-back': '↩️ Deploy failed verification and was rolled back',
  'rollback-failed': '🚨 Deploy failed verification and the rollback failed',
  superseded: '⚠️ Deploy superseded by a newer one',
};

/**
 * Publishes a finished run: outputs, annotations, the job summary and the JSON report. Every string is
 * redacted here as a last line of defence, because the summary and report are not masked by the runner.
 */
export async function publishOutcome(
  outcome: RunOutcome,
  publisher: Publisher,
  secrets: SecretRegistry,
): Promise<{ report: JsonReport; markdown: string }> {
  const report = toJsonReport(outcome, []);
  const markdown = renderSummary(report);
  await publish(report, markdown, publisher, secrets);
  // Redacted like everything published: the same text goes to the PR comment and the check run.
  return { report, markdown: secrets.redact(markdown) };
}

/** Publishes a configuration failure: no verdict on the deploy, every problem listed. */
export async function publishConfigError(
  error: ConfigError,
  publisher: Publisher,
  secrets: SecretRegistry,
  now: number,
): Promise<JsonReport> {
  const problems = error.problems.map(formatProblem);
  const report = toJsonReport(
    {
      result: 'failed',
      failureReason: 'config-error',
      failureMessage: error.message,
      probes: [],
      phases: [],
      rollback: { performed: false, note: 'not considered: the configuration is invalid' },
      warnings: [],
      startedAt: now,
      finishedAt: now,
    },
    problems,
  );
  const markdown =
    `## ❌ Deploy Sentinel: configuration error\n\n` +
    `No request was sent and nothing was rolled back. Fix these inputs:\n\n` +
    problems.map((line) => `- ${escapeMarkdown(line)}`).join('\n') +
    '\n';
  await publish(report, markdown, publisher, secrets);
  return report;
}

async function publish(
  report: JsonReport,
  markdown: string,
  publisher: Publisher,
  secrets: SecretRegistry,
): Promise<void> {
  const clean = (text: string): string => secrets.redact(text);
  const reportJson = clean(JSON.stringify(report, null, 2));
  mkdirSync(publisher.reportDir, { recursive: true });
  const reportPath = join(
    publisher.reportDir,
    `deploy-sentinel-report-${publisher.runId}-${process.pid}.json`,
  );
  writeFileSync(reportPath, reportJson + '\n');

  const outputs: Record<string, string> = {
    result: report.result,
    'failure-reason': report.failureReason ?? '',
    'deploy-id': report.deploy.id ?? '',
    'deploy-status': report.deploy.status ?? '',
    url: report.url ?? '',
    version: report.version ?? '',
    'rolled-back': String(report.rollback.performed),
    'rollback-deploy-id': report.rollback.deployId ?? '',
    report: reportPath,
  };
  for (const [name, value] of Object.entries(outputs)) publisher.setOutput(name, clean(value));

  for (const problem of report.configProblems)
    publisher.error(clean(problem), 'Deploy Sentinel: configuration error');
  if (report.configProblems.length === 0) {
    for (const probe of report.probes.filter((p) => !p.passed)) {
      publisher.error(clean(probe.failure ?? 'failed'), `Deploy Sentinel: ${clean(probe.name)}`);
    }
    if (report.result === 'superseded')
      publisher.warning(clean(report.failureMessage ?? ''), 'Deploy Sentinel: superseded');
    else if (report.failureReason && !report.probes.some((p) => !p.passed))
      publisher.error(
        clean(report.failureMessage ?? report.failureReason),
        `Deploy Sentinel: ${report.failureReason}`,
      );
    for (const diagnosis of report.evidence?.diagnoses ?? []) {
      publisher.error(
        clean(`${diagnosis.explanation} Fix: ${diagnosis.fix} Evidence: ${diagnosis.evidence}`),
        `Deploy Sentinel diagnosis: ${clean(diagnosis.title)}`,
      );
    }
  }
  for (const warning of report.warnings) publisher.warning(clean(warning), 'Deploy Sentinel');
  await publisher.writeSummary(capSummary(clean(markdown)));
}

function toJsonReport(outcome: RunOutcome, configProblems: string[]): JsonReport {
  return {
    formatVersion: REPORT_FORMAT_VERSION,
    result: outcome.result,
    failureReason: outcome.failureReason ?? null,
    failureMessage: outcome.failureMessage ?? null,
    url: outcome.url ?? null,
    expectedVersion: outcome.expectedVersion ?? null,
    version: outcome.version ?? null,
    deploy: outcome.deploy
      ? {
          id: outcome.deploy.id,
          status: outcome.deploy.status,
          provider: outcome.deploy.provider,
          ...(outcome.deploy.commit ? { commit: outcome.deploy.commit } : {}),
          ...(outcome.deploy.serviceName ? { service: outcome.deploy.serviceName } : {}),
          ...(outcome.deploy.dashboardUrl ? { dashboardUrl: outcome.deploy.dashboardUrl } : {}),
        }
      : { id: null, status: null },
    rollback: {
      performed: outcome.rollback.performed,
      deployId: outcome.rollback.deployId ?? null,
      note: outcome.rollback.note,
      ...(outcome.rollback.targetId ? { targetId: outcome.rollback.targetId } : {}),
      ...(outcome.rollback.call ? { call: outcome.rollback.call } : {}),
      ...(outcome.rollback.autoDeployPaused
        ? { autoDeployPaused: true, resumeAutoDeploy: outcome.rollback.autoDeployPaused }
        : {}),
    },
    ...(outcome.evidence ? { evidence: outcome.evidence } : {}),
    ...(outcome.production ? { production: outcome.production } : {}),
    ...(outcome.apiRequests !== undefined ? { apiRequests: outcome.apiRequests } : {}),
    probes: outcome.probes,
    phases: outcome.phases.map((phase) => ({
      name: phase.name,
      startedAt: new Date(phase.startedAt).toISOString(),
      durationMs: phase.endedAt - phase.startedAt,
      outcome: phase.outcome,
      ...(phase.note ? { note: phase.note } : {}),
    })),
    configProblems,
    warnings: outcome.warnings,
    startedAt: new Date(outcome.startedAt).toISOString(),
    finishedAt: new Date(outcome.finishedAt).toISOString(),
    durationMs: outcome.finishedAt - outcome.startedAt,
  };
}

/** GitHub refuses a step summary over 1 MiB; stay under it and say where the rest is. */
const MAX_SUMMARY_CHARS = 900_000;

/** Cuts an oversized summary at a line boundary, pointing at the JSON report for the full evidence. */
export function capSummary(markdown: string): string {
  if (markdown.length <= MAX_SUMMARY_CHARS) return markdown;
  const cut = markdown.lastIndexOf('\n', MAX_SUMMARY_CHARS);
  return `${markdown.slice(0, cut > 0 ? cut : MAX_SUMMARY_CHARS)}\n\n… The summary was cut at GitHub's size limit; the JSON report (\`report\` output) has everything.\n`;
}

/** The job summary: headline, facts, probe table, timeline and rollback. */
export function renderSummary(report: JsonReport): string {
  const lines: string[] = [`## ${HEADLINE[report.result]}`, ''];
  if (report.failureMessage) lines.push(`**Why:** ${escapeMarkdown(report.failureMessage)}`, '');
  const facts: [string, string | null | undefined][] = [
    ['Result', `\`${report.result}\`${report.failureReason ? ` (\`${report.failureReason}\`)` : ''}`],
    ['URL', report.url],
    ['Expected version', report.expectedVersion && code(report.expectedVersion)],
    ['Reported version', report.version && code(report.version)],
    [
      'Deploy',
      report.deploy.id &&
        `${report.deploy.provider ? `${report.deploy.provider} ` : ''}\`${report.deploy.id}\` (${report.deploy.status ?? 'unknown'})` +
          `${report.deploy.commit ? `, commit \`${report.deploy.commit.slice(0, 12)}\`` : ''}` +
          `${report.deploy.dashboardUrl ? ` · [dashboard](${report.deploy.dashboardUrl})` : ''}`,
    ],
    [
      'Production',
      report.production &&
        `serves ${report.production.version ? code(report.production.version) : 'an unknown version'}, ` +
          (report.production.healthy ? 'healthy' : `not healthy: ${cell(report.production.detail)}`),
    ],
    ['Duration', formatDuration(report.durationMs)],
  ];
  lines.push('| | |', '|---|---|');
  for (const [name, value] of facts) if (value) lines.push(`| ${name} | ${value} |`);
  lines.push('');

  if (report.probes.length > 0) {
    lines.push('### Probes', '', '| probe | status | latency | failing assertion |', '|---|---|---|---|');
    for (const probe of report.probes) {
      lines.push(
        `| ${cell(probe.name)} | ${probe.passed ? '✅ pass' : '❌ fail'} | ${formatDuration(probe.durationMs)} | ${cell(probe.failure ?? '')} |`,
      );
      for (const step of probe.steps ?? []) {
        const state = step.skipped ? '⏭️ skipped' : step.passed ? '✅ pass' : '❌ fail';
        lines.push(
          `| &nbsp;&nbsp;↳ ${cell(step.label)}${step.cleanup ? ' (cleanup)' : ''} | ${state} | ${formatDuration(step.durationMs)} | ${cell(step.failure ?? '')} |`,
        );
      }
    }
    lines.push('');
    for (const probe of report.probes.filter((p) => p.outputTail)) {
      lines.push(
        `<details><summary>Output of ${escapeMarkdown(probe.name)}</summary>`,
        '',
        fence(probe.outputTail ?? ''),
        '</details>',
        '',
      );
    }
  }

  if (report.phases.length > 0) {
    const start = Date.parse(report.startedAt);
    lines.push(
      '### Timeline',
      '',
      '```mermaid',
      'gantt',
      '  dateFormat x',
      '  axisFormat %M:%S',
      '  section run',
    );
    for (const phase of report.phases) {
      const from = Date.parse(phase.startedAt) - start;
      const tag = phase.outcome === 'failed' ? 'crit, ' : phase.outcome === 'ok' ? 'done, ' : '';
      lines.push(
        `  ${phase.name.replace(/[:;#]/g, ' ')} :${tag}${from}, ${from + Math.max(1, phase.durationMs)}`,
      );
    }
    lines.push('```', '');
  }

  if (report.evidence) lines.push(...renderEvidence(report.evidence));
  lines.push(
    '### Rollback',
    '',
    report.rollback.performed
      ? `Rolled back to \`${report.rollback.targetId ?? '?'}\` as deploy \`${report.rollback.deployId}\`.`
      : '',
    escapeMarkdown(report.rollback.note),
    '',
    ...(report.rollback.autoDeployPaused
      ? [
          `**Auto-deploy is now off for this service: the next push will not deploy.** ${escapeMarkdown(report.rollback.resumeAutoDeploy ?? '')}`,
          '',
        ]
      : []),
  );
  if (report.warnings.length > 0) {
    lines.push('### Warnings', '', ...report.warnings.map((w) => `- ${escapeMarkdown(w)}`), '');
  }
  return lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n') + '\n';
}

/** Diagnosis first (what it means, what to do), then the provider's log tail as the evidence. */
function renderEvidence(evidence: NonNullable<JsonReport['evidence']>): string[] {
  const lines: string[] = [];
  if (evidence.diagnoses.length > 0) {
    lines.push('### Diagnosis', '');
    for (const diagnosis of evidence.diagnoses) {
      lines.push(
        `- **${escapeMarkdown(diagnosis.title)}.** ${escapeMarkdown(diagnosis.explanation)} ` +
          `**Fix:** ${escapeMarkdown(diagnosis.fix)}`,
        `  Evidence: \`${diagnosis.evidence.replace(/`/g, "'")}\``,
      );
    }
    lines.push('');
  }
  if (evidence.events.length > 0) {
    lines.push('### Provider events', '');
    for (const event of evidence.events) {
      lines.push(
        `- ${event.at ? `${escapeMarkdown(event.at)} ` : ''}${escapeMarkdown(event.step)}: ${escapeMarkdown(event.outcome)}` +
          `${event.detail ? ` (${escapeMarkdown(event.detail)})` : ''}`,
      );
    }
    lines.push('');
  }
  if (evidence.tail.length > 0) {
    lines.push(
      `<details><summary>Provider log tail (${evidence.tail.length} lines${evidence.truncated ? ', older lines omitted' : ''})</summary>`,
      '',
      fence(
        evidence.tail
          .map((line) => `${line.timestamp ? `${line.timestamp} ` : ''}[${line.stream}] ${line.message}`)
          .join('\n'),
      ),
      '</details>',
      '',
    );
  } else {
    lines.push('No provider log lines were found for the deploy.', '');
  }
  for (const note of evidence.notes) lines.push(`- Note: ${escapeMarkdown(note)}`);
  if (evidence.notes.length > 0) lines.push('');
  return lines;
}

/** A code fence long enough that backticks inside the text cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}text\n${text}\n${ticks}`;
}

/**
 * A value the service reported (a version), shown as code in a table cell. The service (on a preview,
 * the PR's author) controls it, so it must not close the code span, the cell or the row.
 */
function code(text: string): string {
  return `\`${text
    .replace(/[`\r\n]/g, ' ')
    .replace(/\|/g, '\\|')
    .slice(0, 200)}\``;
}

function cell(text: string): string {
  return escapeMarkdown(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function escapeMarkdown(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
