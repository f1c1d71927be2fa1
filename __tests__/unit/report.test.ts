import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capSummary, publishOutcome, type Publisher } from '../../src/report.js';
import { SecretRegistry } from '../../src/secrets.js';

describe('capSummary', () => {
  it('leaves a summary under the limit alone', () => {
    expect(capSummary('## ok\n')).toBe('## ok\n');
  });

  it('cuts an oversized summary at a line boundary and points at the JSON report', () => {
    const line = `| probe | ${'x'.repeat(90)} |\n`;
    const huge = line.repeat(20_000); // about 2 MB
    const capped = capSummary(huge);
    expect(capped.length).toBeLessThan(1_000_000);
    expect(capped).toContain("cut at GitHub's size limit");
    const body = capped.slice(0, capped.indexOf('\n\n…'));
    expect(body.split('\n').every((row) => row === line.trimEnd())).toBe(true);
  });
});

describe('scrubCredentials (provider log lines bound for a public PR comment)', () => {
  it('masks database URL credentials and password/token pairs, keeping the diagnosis words', async () => {
    const { scrubCredentials } = await import('../../src/secrets.js');
    expect(scrubCredentials('connecting to postgres://app:hunter2@db.internal:5432/shop')).toBe(
      'connecting to postgres://***:***@db.internal:5432/shop',
    );
    expect(scrubCredentials('DB_PASSWORD=hunter2 api_key: "abc def" token=xyz')).toBe(
      'DB_PASSWORD=*** api_key: *** token=***',
    );
    expect(scrubCredentials('FATAL: password authentication failed for user "app"')).toBe(
      'FATAL: password authentication failed for user "app"',
    );
  });
});

describe('a rollback that turned auto-deploy off', () => {
  it('says so in bold in the summary (and so in the PR comment), and in the JSON report, with how to undo it', async () => {
    const outputs: Record<string, string> = {};
    let summary = '';
    const publisher: Publisher = {
      setOutput: (name, value) => void (outputs[name] = value),
      error: () => undefined,
      warning: () => undefined,
      notice: () => undefined,
      writeSummary: async (markdown) => void (summary += markdown),
      reportDir: mkdtempSync(join(tmpdir(), 'report-test-')),
      runId: '1',
    };
    const { report, markdown } = await publishOutcome(
      {
        result: 'rolled-back',
        failureReason: 'health-schema',
        failureMessage: 'health JSON fails the schema',
        probes: [],
        phases: [],
        rollback: {
          performed: true,
          note: 'rolled back',
          deployId: 'dep-rb',
          targetId: 'dep-prev',
          autoDeployPaused: 'Turn it back on in the dashboard once a fix is merged.',
        },
        warnings: [],
        startedAt: 0,
        finishedAt: 1,
      },
      publisher,
      new SecretRegistry(() => undefined),
    );
    expect(summary).toContain('**Auto-deploy is now off for this service: the next push will not deploy.**');
    expect(markdown).toContain('Turn it back on in the dashboard once a fix is merged.');
    expect(report.rollback).toMatchObject({
      autoDeployPaused: true,
      resumeAutoDeploy: 'Turn it back on in the dashboard once a fix is merged.',
    });
  });
});
