import { providerClientOptions } from '../client-options.js';
import type { ProviderDescriptor } from '../types.js';
import { LOGGING_API_URL, parseServiceName, RUN_API_URL, serviceIdProblem } from './names.js';

/**
 * Cloud Run, over the Cloud Run Admin API v2 and Cloud Logging v2. `api-token` is an OAuth 2.0 access
 * token; without one, Application Default Credentials are used (google-auth-library, loaded only then).
 * The client's code loads only when a run uses Cloud Run.
 */
export const cloudRun: ProviderDescriptor = {
  label: 'Cloud Run',
  capabilities: { pauseAutoDeploy: false, pushStatus: false, previews: false },
  ownInputs: [],
  // Application Default Credentials stand in for a token; with neither, the first call (before anything is
  // sent) is a configuration error that shows both ways to authenticate.
  tokenOptional: true,
  pauseAutoDeployFix:
    'remove `pause-auto-deploy`: Cloud Run has no auto-deploy to turn off. A rollback pins all traffic to the restored ' +
    'revision by name, so later deploys get no traffic until someone routes it to the latest revision again ' +
    '(`gcloud run services update-traffic SERVICE --region REGION --project PROJECT --to-latest`)',
  checkInputs: (values, problem) => {
    if (!values.serviceId) return;
    const found = serviceIdProblem(values.serviceId);
    if (found) problem('service-id', values.serviceId, found.problem, found.fix);
  },
  create: async (settings, deps, budget) => {
    const { CloudRunProvider } = await import('./provider.js');
    const { tokenSource } = await import('./auth.js');
    // `checkInputs` accepted it, so it parses.
    const service = parseServiceName(settings.serviceId)!;
    return new CloudRunProvider({
      ...providerClientOptions(settings, deps, budget, RUN_API_URL),
      // `api-url` replaces both of Google's origins and keeps their paths.
      loggingUrl: settings.apiUrl ?? new URL(LOGGING_API_URL),
      service,
      credentials: tokenSource({
        apiToken: settings.apiToken,
        projectId: service.project,
        mask: (value) => deps.secrets.add(value),
        env: process.env,
      }),
    });
  },
};
