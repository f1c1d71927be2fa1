import { describe, expect, it } from '@jest/globals';
import { formatDuration, isDurationText, parseDuration } from '../../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1.5h', 5_400_000],
    ['1m30s', 90_000],
    [' 2s ', 2000],
  ])('parses %p', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'ten seconds', '5 d', '2 m', 'm', '-1s', '1e3s'])('rejects %p', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('isDurationText', () => {
  it('tells a duration too large to represent from text that is no duration', () => {
    const huge = `${'9'.repeat(400)}h`;
    expect(parseDuration(huge)).toBeUndefined();
    expect(isDurationText(huge)).toBe(true);
    expect(isDurationText(' 1m30s ')).toBe(true);
    expect(isDurationText('10 minutes')).toBe(false);
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
    [999.4, '999ms'],
    // Rounded before choosing the unit: never "1000ms".
    [999.6, '1s'],
  ])('formats %p as %p', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
