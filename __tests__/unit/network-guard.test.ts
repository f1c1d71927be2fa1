/**
 * The network guard every test process carries (test-kit/runner/network-guard.mjs): a connection off this
 * machine is refused before it leaves, and recorded so the test that made it fails.
 */
import { connect } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { refusedConnections } from '../../test-kit/runner/network-guard.mjs';

describe('network guard', () => {
  it('refuses a connection to a non-loopback address and records it', async () => {
    const error = await new Promise<Error>((resolve) => {
      const socket = connect({ host: '192.0.2.1', port: 443 });
      socket.on('error', resolve);
    });
    expect(error.message).toContain('refused by the test network guard');
    // The record is what fails a test in afterEach; this test takes it, so it passes.
    expect(refusedConnections.splice(0)).toEqual(['192.0.2.1:443']);
  });

  it('lets connections to 127.0.0.1 through', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: 9 });
      socket.on('error', resolve);
    });
    expect(error.code).toBe('ECONNREFUSED');
    expect(refusedConnections).toEqual([]);
  });
});
