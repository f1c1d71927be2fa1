/**
 * The spacing of the confirming check (src/health.ts, CONFIRM_SPACING_MS). The soak carries the defence
 * against a service that passes and then dies, so the confirming check after the first pass comes 50 ms
 * later instead of 500 ms (issue 15; bench/RESULTS.md shows the trade).
 */
import { describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import { createHttpClient } from '../../src/http.js';
import { CONFIRM_SPACING_MS, waitUntilHealthy, type HealthTarget } from '../../src/health.js';
import { Deadline } from '../../src/poll.js';
import { SecretRegistry } from '../../src/secrets.js';
import { fakeTime } from '../helpers/time.js';

const ORIGIN = 'http://svc.test';

/** /health answers 503 for the first `down` requests, then 200 on the expected version. */
function service(down: number) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  let sent = 0;
  agent
    .get(ORIGIN)
    .intercept({ path: '/health', method: 'GET' })
    .reply(() =>
      sent++ < down
        ? { statusCode: 503, data: '{"status":"starting"}' }
        : {
            statusCode: 200,
            data: JSON.stringify({ status: 'ok', version: 'abcdef1234567' }),
            responseOptions: { headers: { 'content-type': 'application/json' } },
          },
    )
    .persist();
  const http = createHttpClient({
    dispatcher: agent,
    secrets: new SecretRegistry(() => undefined),
    timeoutMs: 1000,
  });
  return { http, sent: () => sent };
}

const target: HealthTarget = {
  url: new URL('/health', ORIGIN),
  headers: {},
  expectVersion: 'abcdef1234567',
  versionFrom: { kind: 'pointer', pointer: '/version' },
  requestTimeoutMs: 500,
};

const options = (time: ReturnType<typeof fakeTime>, intervalMs: number, successThreshold = 2) => ({
  intervalMs,
  successThreshold,
  failureThreshold: 3,
  deadline: Deadline.after(time.clock, 60_000),
  clock: time.clock,
  sleep: time.sleep,
  log: () => undefined,
  random: () => 0.5,
});

describe('the confirming check', () => {
  it('is 50 ms', () => {
    expect(CONFIRM_SPACING_MS).toBe(50);
  });

  it('follows the first pass after CONFIRM_SPACING_MS, not after the interval', async () => {
    const time = fakeTime();
    const { http, sent } = service(2);
    const result = await waitUntilHealthy(http, target, options(time, 1000));
    expect(result).toMatchObject({ healthy: true, attempts: 4 });
    expect(sent()).toBe(4);
    // Two waits at the interval's backoff while 503, then the pause before the confirming check.
    expect(time.sleeps).toEqual([1000, 1000, CONFIRM_SPACING_MS]);
  });

  it('spaces every further confirming check alike (success-threshold: 3)', async () => {
    const time = fakeTime();
    const { http } = service(0);
    const result = await waitUntilHealthy(http, target, options(time, 5000, 3));
    expect(result).toMatchObject({ healthy: true, attempts: 3 });
    expect(time.sleeps).toEqual([CONFIRM_SPACING_MS, CONFIRM_SPACING_MS]);
  });

  it('never waits longer than a shorter interval', async () => {
    const time = fakeTime();
    const { http } = service(0);
    await waitUntilHealthy(http, target, options(time, 20));
    expect(time.sleeps).toEqual([20]);
  });
});
