/**
 * Cloud Run's resource names, as the Admin API v2 spells them (`google.api.resource` of Service and
 * Revision in service.proto and revision.proto), and Google's two API origins. Small on purpose: the
 * descriptor imports it to check `service-id` before any client code loads.
 */

/** Cloud Run Admin API v2; `api-url` replaces the origin and keeps the `/v2/...` paths. */
export const RUN_API_URL = 'https://run.googleapis.com';
/** Cloud Logging v2; `api-url` replaces this origin too. */
export const LOGGING_API_URL = 'https://logging.googleapis.com';

/** A service's full resource name, split. */
export interface ServiceName {
  project: string;
  location: string;
  /** The service ID, e.g. `shop-api`: what logs call `service_name`. */
  service: string;
  /** `projects/<project>/locations/<location>/services/<service>`. */
  full: string;
}

export const SERVICE_NAME_EXAMPLE = 'projects/my-project/locations/us-central1/services/my-service';

const FULL_NAME = /^projects\/([^/\s]+)\/locations\/([^/\s]+)\/services\/([^/\s]+)$/;
/** A project ID (6-30 characters), a domain-scoped one (`example.com:my-project`), or a project number. */
const PROJECT = /^(?:(?:[a-z0-9-]+\.)+[a-z]{2,}:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$|^\d{1,20}$/;
/** A region such as `us-central1`, `europe-west4`, `northamerica-northeast2`. */
const LOCATION = /^[a-z]+(?:-[a-z]+)+\d{1,2}$/;
/** A service ID: begins with a letter, ends with a letter or digit, fewer than 50 characters (service.proto). */
const SERVICE = /^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$/;
/** A revision ID: `<service>-<5 digits>-<3 letters>` when generated; at most 63 characters. */
const REVISION = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** The parts of a full service name, or undefined when `value` is not one. */
export function parseServiceName(value: string): ServiceName | undefined {
  const match = FULL_NAME.exec(value.trim());
  if (!match) return undefined;
  const [, project, location, service] = match as unknown as [string, string, string, string];
  if (!PROJECT.test(project) || !LOCATION.test(location) || !SERVICE.test(service)) return undefined;
  return {
    project,
    location,
    service,
    full: `projects/${project}/locations/${location}/services/${service}`,
  };
}

/**
 * What is wrong with a `service-id` for Cloud Run, in the words of a config problem, or undefined when it
 * is a full service name. The common mistakes get their own sentence: the bare service name, its URL.
 */
export function serviceIdProblem(value: string): { problem: string; fix: string } | undefined {
  if (parseServiceName(value)) return undefined;
  const fix = `give the full resource name projects/PROJECT/locations/REGION/services/SERVICE, e.g. ${SERVICE_NAME_EXAMPLE}: the project ID, the region and the service name, as the Cloud Run console shows them`;
  const trimmed = value.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    return { problem: "is the service's URL, not its resource name", fix };
  }
  if (SERVICE.test(trimmed)) {
    return { problem: 'is only the service name: Cloud Run needs the project and region too', fix };
  }
  const match = FULL_NAME.exec(trimmed);
  if (match) {
    const [, project, location, service] = match as unknown as [string, string, string, string];
    const bad = !PROJECT.test(project)
      ? `the project "${project}" is not a project ID or number`
      : !LOCATION.test(location)
        ? `the location "${location}" is not a Cloud Run region such as us-central1`
        : `the service "${service}" is not a valid service name (lower-case letters, digits and hyphens, starting with a letter)`;
    return { problem: `is not a Cloud Run service name: ${bad}`, fix };
  }
  return { problem: 'is not the full resource name of a Cloud Run service', fix };
}

/**
 * A revision named by `deploy-id`: its ID, or its full name under this service. Undefined when it is
 * neither (another service's revision, or not a revision name at all).
 */
export function revisionId(value: string, service: ServiceName): string | undefined {
  const trimmed = value.trim();
  if (REVISION.test(trimmed)) return trimmed;
  const match = /^projects\/([^/\s]+)\/locations\/([^/\s]+)\/services\/([^/\s]+)\/revisions\/([^/\s]+)$/.exec(
    trimmed,
  );
  if (!match) return undefined;
  const [, project, location, owner, id] = match as unknown as [string, string, string, string, string];
  // A project number and a project ID name the same project; only a different ID of the same kind is another.
  const sameProject = project === service.project || /^\d+$/.test(project) !== /^\d+$/.test(service.project);
  if (!sameProject || location !== service.location || owner !== service.service || !REVISION.test(id))
    return undefined;
  return id;
}

/** The last segment of a resource name (`…/revisions/svc-00003-abc` → `svc-00003-abc`). */
export function shortName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  return name.slice(name.lastIndexOf('/') + 1) || undefined;
}
