import { providerClientOptions } from '../client-options.js';
import type { ProviderDescriptor } from '../types.js';

/** Railway, over its GraphQL API with status pushed over a WebSocket. Its code loads only when used. */
export const railway: ProviderDescriptor = {
  label: 'Railway',
  capabilities: { pauseAutoDeploy: false, pushStatus: true, previews: true },
  ownInputs: ['environment-id', 'api-token-type'],
  pauseAutoDeployFix:
    'remove `pause-auto-deploy`; turn off automatic deploys for the branch in the Railway service settings instead',
  checkInputs: (values, problem) => {
    if (!values.own['environment-id']) {
      problem(
        'environment-id',
        '',
        'is required when `provider` is railway',
        'set the Railway environment ID',
      );
    }
  },
  create: async (settings, deps, budget) => {
    const { RailwayProvider } = await import('./provider.js');
    const { RAILWAY_API_URL } = await import('./client.js');
    return new RailwayProvider({
      ...providerClientOptions(settings, deps, budget, RAILWAY_API_URL),
      tokenType: settings.tokenType,
      environmentId: settings.environmentId,
      openWebSocket: deps.openWebSocket,
    });
  },
};
