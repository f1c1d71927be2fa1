/**
 * The README's demo command, run as a reader runs it (`npm run demo`): three jobs of the built action,
 * through the runner contract, against the example service and the emulated Render API. It must end as it
 * says: a pass, the caught silent fallback, and a verified rollback on Render.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';

describe('npm run demo', () => {
  it('runs its three jobs and ends as the README says', async () => {
    // The demo's runs are not test cases of this suite: no Jest worker id reaches them.
    const env = { ...process.env };
    delete env.JEST_WORKER_ID;
    const child = spawn('npm', ['run', '--silent', 'demo'], { cwd: process.cwd(), env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ exitCode, tail: output.slice(-3000) }).toEqual({ exitCode: 0, tail: output.slice(-3000) });
    expect(output).toMatch(/Job 1 \(good deploy\): +passed/);
    expect(output).toMatch(/Job 2 \(silent fallback\): +failed \(health-schema\)/);
    expect(output).toMatch(/Job 3 \(Render, emulated API\): +rolled-back \(health-schema\)/);
    expect(output).toContain('restored deploy verified: yes');
    expect(output).toContain('POST  /v1/services/srv-demo000000000000001/rollback  -> 201');
  }, 300_000);
});
