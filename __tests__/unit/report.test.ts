import { describe, expect, it } from '@jest/globals';
import { capSummary } from '../../src/report.js';

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
