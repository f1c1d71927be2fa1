/**
 * The Cloud Run descriptor and its names: what `service-id` and `deploy-id` must look like, and the
 * configuration errors a wrong one (or `pause-auto-deploy`) gives, through getConfig as a run sees them.
 */
import { describe, expect, it } from '@jest/globals';
import { getConfig } from '../../../../src/config/index.js';
import { ConfigError } from '../../../../src/errors.js';
import { cloudRun } from '../../../../src/providers/cloud-run/index.js';
import {
  parseServiceName,
  revisionId,
  serviceIdProblem,
  shortName,
  SERVICE_NAME_EXAMPLE,
} from '../../../../src/providers/cloud-run/names.js';
import { PROVIDERS } from '../../../../src/providers/registry.js';
import { SecretRegistry } from '../../../../src/secrets.js';
import { runnerSource } from '../../../helpers/config-source.js';

const SERVICE = 'projects/shop-prod/locations/europe-west4/services/shop-api';

function configError(given: Record<string, string>): ConfigError {
  try {
    getConfig(runnerSource(given), new SecretRegistry(() => undefined));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Cloud Run names', () => {
  it('parses a full service name, by project ID, domain-scoped ID or project number', () => {
    expect(parseServiceName(SERVICE)).toEqual({
      project: 'shop-prod',
      location: 'europe-west4',
      service: 'shop-api',
      full: SERVICE,
    });
    expect(parseServiceName('projects/123456789012/locations/us-central1/services/api')?.project).toBe(
      '123456789012',
    );
    expect(parseServiceName('projects/example.com:shop-prod/locations/us-east4/services/api')?.service).toBe(
      'api',
    );
    expect(parseServiceName(` ${SERVICE} `)?.full).toBe(SERVICE);
  });

  it.each([
    ['shop-api', 'is only the service name'],
    ['https://shop-api-abc123-ez.a.run.app', "is the service's URL"],
    [
      'projects/Shop/locations/europe-west4/services/shop-api',
      'the project "Shop" is not a project ID or number',
    ],
    [
      'projects/shop-prod/locations/europe/services/shop-api',
      'the location "europe" is not a Cloud Run region',
    ],
    [
      'projects/shop-prod/locations/europe-west4/services/Shop_API',
      'the service "Shop_API" is not a valid service name',
    ],
    ['namespaces/shop-prod/services/shop-api', 'is not the full resource name of a Cloud Run service'],
    [
      'projects/shop-prod/locations/europe-west4/services/shop-api/revisions/r1',
      'is not the full resource name',
    ],
  ])('explains what is wrong with service-id %j, with an example of the right form', (value, problem) => {
    const found = serviceIdProblem(value);
    expect(found?.problem).toContain(problem);
    expect(found?.fix).toContain(SERVICE_NAME_EXAMPLE);
  });

  it('takes a revision by ID or by its full name under this service only', () => {
    const service = parseServiceName(SERVICE)!;
    expect(revisionId('shop-api-00042-abc', service)).toBe('shop-api-00042-abc');
    expect(revisionId(`${SERVICE}/revisions/shop-api-00042-abc`, service)).toBe('shop-api-00042-abc');
    // The same project by number.
    expect(
      revisionId(
        'projects/42/locations/europe-west4/services/shop-api/revisions/shop-api-00042-abc',
        service,
      ),
    ).toBe('shop-api-00042-abc');
    expect(
      revisionId(
        'projects/shop-prod/locations/europe-west4/services/other/revisions/other-00001-abc',
        service,
      ),
    ).toBeUndefined();
    expect(
      revisionId(
        'projects/shop-test/locations/europe-west4/services/shop-api/revisions/shop-api-00001-abc',
        service,
      ),
    ).toBeUndefined();
    expect(revisionId('Rev 1', service)).toBeUndefined();
    expect(shortName(`${SERVICE}/revisions/r-1`)).toBe('r-1');
    expect(shortName(undefined)).toBeUndefined();
  });
});

describe('the Cloud Run descriptor', () => {
  it('is registered as cloud-run, and declares what Cloud Run can do', () => {
    expect(PROVIDERS['cloud-run']).toBe(cloudRun);
    expect(cloudRun).toMatchObject({
      label: 'Cloud Run',
      capabilities: { pauseAutoDeploy: false, pushStatus: false, previews: false },
      ownInputs: [],
      tokenOptional: true,
    });
  });

  it('accepts a full service name and no token (Application Default Credentials)', () => {
    const config = getConfig(
      runnerSource({ provider: 'cloud-run', 'service-id': SERVICE }),
      new SecretRegistry(() => undefined),
    );
    expect(config).toMatchObject({ provider: 'cloud-run', serviceId: SERVICE, apiToken: undefined });
  });

  it('refuses a bare service name with the right form in the fix, before anything is sent', () => {
    const error = configError({ provider: 'Cloud-Run', 'api-token': 'ya29.token', 'service-id': 'shop-api' });
    expect(error.problems).toEqual([
      expect.objectContaining({
        input: 'service-id',
        value: 'shop-api',
        problem: 'is only the service name: Cloud Run needs the project and region too',
        fix: expect.stringContaining(SERVICE_NAME_EXAMPLE),
      }),
    ]);
  });

  it('refuses pause-auto-deploy and says why: traffic is pinned after a rollback instead', () => {
    const error = configError({
      provider: 'cloud-run',
      'api-token': 'ya29.token',
      'service-id': SERVICE,
      'pause-auto-deploy': 'true',
    });
    expect(error.problems).toEqual([
      expect.objectContaining({
        input: 'pause-auto-deploy',
        problem: 'only applies to Render',
        fix: expect.stringContaining('Cloud Run has no auto-deploy to turn off'),
      }),
    ]);
    expect(error.problems[0]?.fix).toContain('--to-latest');
  });

  it('requires service-id, and takes no Railway input', () => {
    const error = configError({ provider: 'cloud-run', 'environment-id': 'env-1' });
    expect(error.problems.map((p) => p.input)).toEqual(['service-id', 'environment-id']);
  });
});
