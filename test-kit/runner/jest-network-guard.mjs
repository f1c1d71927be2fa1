// Jest's own processes get the same guard as the action's: a test whose code connects off this machine
// fails, naming where it tried to go.
import { afterEach } from '@jest/globals';
import { refusedConnections } from './network-guard.mjs';

afterEach(() => {
  const refused = refusedConnections.splice(0);
  if (refused.length > 0) {
    throw new Error(
      `This test connected off this machine (${refused.join(', ')}); point every URL at 127.0.0.1.`,
    );
  }
});
