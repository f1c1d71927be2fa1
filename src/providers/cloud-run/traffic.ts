import {
  BudgetExhaustedError,
  RollbackConflictError,
  RollbackUnconfirmedError,
  errorMessage,
} from '../../errors.js';
import { Backoff, type Clock, type Random, type Sleep } from '../../poll.js';
import type { CloudRunClient } from './client.js';
import { googleError } from './client.js';
import type { ServiceName } from './names.js';
import { BY_REVISION, type ServiceJson, type TrafficJson } from './statuses.js';

/** google.longrunning.Operation, as proto3 JSON. */
interface OperationJson {
  name?: string;
  done?: boolean;
  error?: { code?: number; message?: string };
  response?: ServiceJson;
}

/**
 * The traffic a rollback writes: 100% to the target revision by name (never LATEST, which would follow the
 * next deploy), keeping the tags that carry no traffic (previews, candidates) so their URLs keep working.
 */
export function rollbackTraffic(current: readonly TrafficJson[], target: string): TrafficJson[] {
  const tagsOnly = current.filter((entry) => !entry.percent && entry.tag);
  return [{ type: BY_REVISION, revision: target, percent: 100 }, ...tagsOnly];
}

/** The gcloud command that sends all traffic to the latest revision again, for people. */
export function toLatestCommand(service: ServiceName): string {
  return `gcloud run services update-traffic ${service.service} --region ${service.location} --project ${service.project} --to-latest`;
}

export interface MoveTrafficOptions {
  client: CloudRunClient;
  service: ServiceName;
  /** The service as read just before: its `etag` guards the write. */
  read: ServiceJson;
  target: string;
  clock: Clock;
  sleep: Sleep;
  random?: Random;
  intervalMs: number;
}

/**
 * Moves all traffic to `target`: read (done by the caller), change `traffic`, write with the etag read
 * (`UpdateService` with `updateMask=traffic`), then follow the long-running operation to its end. A write
 * refused because the service changed since it was read (ABORTED, HTTP 409: AIP-154) is someone else
 * acting at the same moment: a RollbackConflictError, and the write is not sent again. Once the write was
 * accepted, any later failure is a RollbackUnconfirmedError: the change may be under way.
 * Returns the service as the finished operation reports it.
 */
export async function moveTraffic(options: MoveTrafficOptions): Promise<ServiceJson> {
  const { client, service, read, target } = options;
  const what = `moving all traffic to revision ${target}`;
  const url = client.runUrl(`/v2/${service.full}`, new URLSearchParams({ updateMask: 'traffic' }));
  // The service as read, with the new traffic: with `updateMask=traffic` only `traffic` changes, and the
  // rest (the template above all) is what Cloud Run already has, so no new revision can come of it.
  const body = { ...read, traffic: rollbackTraffic(read.traffic ?? [], target) };
  // Sent once: after a lost answer, the etag would make a second write fail as if someone else had acted.
  const response = await client.send('run', { method: 'PATCH', url, body, what, idempotent: false });
  if (response.status === 409 && googleError(response)?.status === 'ABORTED') {
    const said = googleError(response)?.message;
    throw new RollbackConflictError(
      `Cloud Run refused the traffic change with ABORTED (409): the service changed after this run read it` +
        `${said ? ` ("${said.slice(0, 300)}")` : ''}`,
    );
  }
  const operation = client.check(response, 'run', what, 'rollback-target') as OperationJson | undefined;
  try {
    return await followOperation(options, operation);
  } catch (error) {
    if (error instanceof RollbackUnconfirmedError) throw error;
    throw new RollbackUnconfirmedError(
      `following the traffic change failed: ${errorMessage(error).replace(/\.$/, '')}`,
    );
  }
}

/** Polls GetOperation until the operation is done, within the run's budget; its error is unconfirmed. */
async function followOperation(
  options: MoveTrafficOptions,
  started: OperationJson | undefined,
): Promise<ServiceJson> {
  const { client } = options;
  if (!started?.name)
    throw new RollbackUnconfirmedError('Cloud Run accepted the change without naming its operation');
  const backoff = new Backoff({
    initialMs: Math.min(options.intervalMs, 1000),
    maxMs: 5000,
    factor: 1.5,
    random: options.random,
  });
  let operation: OperationJson = started;
  while (!operation.done) {
    await options.sleep(backoff.next());
    try {
      operation = (await client.call(
        'run',
        'GET',
        client.runUrl(`/v2/${started.name}`),
        'following the traffic change',
        { notFound: 'operation' },
      )) as OperationJson;
    } catch (error) {
      if (error instanceof BudgetExhaustedError) {
        throw new RollbackUnconfirmedError(
          `Cloud Run's operation ${started.name} had not finished when the rollback's time ran out`,
        );
      }
      throw error;
    }
  }
  if (operation.error) {
    throw new RollbackUnconfirmedError(
      `Cloud Run's operation ended with error ${operation.error.code ?? '?'}: ${operation.error.message ?? 'no message'}`,
    );
  }
  if (!operation.response)
    throw new RollbackUnconfirmedError('Cloud Run finished the operation without the service');
  return operation.response;
}
