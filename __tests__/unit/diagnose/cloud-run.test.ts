/**
 * Cloud Run's own words for the failures the diagnosis knows: the Ready condition's messages, the
 * platform's system log (`run.googleapis.com/varlog/system`) and the container's stderr, as the Cloud Run
 * provider hands them over (log lines, and the Ready condition as an event).
 */
import { describe, expect, it } from '@jest/globals';
import { diagnose, type LogLine, type ProviderEvent } from '../../../src/diagnose/index.js';

const system = (message: string): LogLine => ({ message, stream: 'deploy' });
const stderr = (message: string): LogLine => ({ message, stream: 'app' });
const ready = (detail: string): ProviderEvent => ({ step: 'revision-ready', outcome: 'failed', detail });
const ids = (lines: LogLine[], events: ProviderEvent[] = []) => diagnose(lines, events).map((d) => d.id);

const NOT_LISTENING =
  'The user-provided container failed to start and listen on the port defined provided by the PORT=8080 ' +
  'environment variable within the allocated timeout. This can happen when the container port is misconfigured ' +
  'or if the timeout is too short. The health check timeout can be extended. Logs for this revision might ' +
  'contain more information.';

describe('diagnose: Cloud Run', () => {
  it('reads a Python import error on stderr as module-not-found, ahead of the container not listening', () => {
    const lines = [
      stderr('Traceback (most recent call last):'),
      stderr('  File "/app/main.py", line 3, in <module>'),
      stderr("ModuleNotFoundError: No module named 'Back_End'"),
      system('Container called exit(1).'),
      system(
        'Default STARTUP TCP probe failed 1 time consecutively for container "placeholder-1" on port 8080. The instance was not started.',
      ),
    ];
    const found = diagnose(lines, [ready(NOT_LISTENING)]);
    expect(found.map((d) => d.id)).toEqual(['module-not-found', 'port-not-bound']);
    expect(found[0]?.evidence).toContain("No module named 'Back_End'");
    // The quote is the log line, not the condition: lines are the better evidence.
    expect(found[1]?.evidence).toContain('STARTUP TCP probe failed');
  });

  it('reads the Ready condition alone: the container did not start and listen on PORT', () => {
    expect(ids([], [ready(NOT_LISTENING)])).toEqual(['port-not-bound']);
    expect(
      ids([
        system('Default STARTUP TCP probe failed 1 time consecutively for container "app" on port 8080.'),
      ]),
    ).toEqual(['port-not-bound']);
  });

  it("reads Cloud Run's memory limit line as out-of-memory", () => {
    const line = system(
      'Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing the memory limit, see https://cloud.google.com/run/docs/configuring/memory-limits',
    );
    const found = diagnose([line], []);
    expect(found.map((d) => d.id)).toEqual(['out-of-memory']);
    expect(found[0]?.evidence).toContain('Memory limit of 512 MiB exceeded');
    expect(ids([system('Memory limit of 2 GiB configured for this revision')])).toEqual([]);
  });

  it('reads failed startup and liveness probes, and HEALTH_CHECK_CONTAINER_ERROR, as healthcheck-failed', () => {
    expect(
      ids([
        system(
          'STARTUP HTTP probe failed 3 times consecutively for container "app" on path "/healthz". The instance was not started.',
        ),
      ]),
    ).toEqual(['healthcheck-failed']);
    expect(
      ids([
        system('LIVENESS HTTP probe failed 3 times consecutively for container "app" on path "/healthz".'),
      ]),
    ).toEqual(['healthcheck-failed']);
    expect(
      ids(
        [],
        [
          ready(
            'HEALTH_CHECK_CONTAINER_ERROR: The user-provided container failed the configured startup probe checks.',
          ),
        ],
      ),
    ).toEqual(['healthcheck-failed']);
  });

  it('reads "Container called exit(1)" as a crash, and exit(0) as none', () => {
    expect(ids([system('Container called exit(1).')])).toEqual(['app-crashed']);
    expect(ids([system('Container called exit(137).')])).toEqual(['out-of-memory']);
    expect(ids([system('Container called exit(0).')])).toEqual([]);
  });

  it('keeps generic probe failures behind a specific cause', () => {
    const found = ids([
      stderr("ModuleNotFoundError: No module named 'psycopg2'"),
      system('STARTUP HTTP probe failed 1 time consecutively for container "app" on path "/health".'),
    ]);
    expect(found).toEqual(['module-not-found']);
  });
});
