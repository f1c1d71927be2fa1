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
