/**
 * A revision's status from its Ready condition and the service's routing (`traffic` asked for,
 * `trafficStatuses` routed), and what the shared history makes of the mapped revisions: the last known
 * good one is the one serving before ours, LATEST resolved to its revision, tag-only previews skipped.
 */
import { describe, expect, it } from '@jest/globals';
import { ProviderApiError } from '../../../../src/errors.js';
import { chooseRollbackTarget, findLastKnownGood } from '../../../../src/providers/history.js';
import {
  BY_REVISION,
  describeTraffic,
  LATEST,
  routingOf,
  toDeploy,
  type RevisionJson,
  type ServiceJson,
} from '../../../../src/providers/cloud-run/statuses.js';

const NAME = 'projects/p/locations/us-central1/services/api';
const full = (id: string) => `${NAME}/revisions/${id}`;
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function revision(
  id: string,
  state: string | undefined,
  extra: { commit?: string; created?: number; ready?: number; reconciling?: boolean } = {},
): RevisionJson {
  return {
    name: full(id),
    labels: extra.commit ? { 'managed-by': 'github-actions', 'commit-sha': extra.commit } : {},
    createTime: at(extra.created ?? 0),
    ...(extra.reconciling !== undefined && { reconciling: extra.reconciling }),
    conditions: state
      ? [{ type: 'Ready', state, lastTransitionTime: at(extra.ready ?? (extra.created ?? 0) + 1) }]
      : [],
  };
}

function service(fields: Partial<ServiceJson>): ServiceJson {
  return { name: NAME, uri: 'https://api-abc-uc.a.run.app', ...fields };
}

const latest = (percent = 100) => ({ type: LATEST, percent });
const pinned = (id: string, percent = 100, tag?: string) => ({
  type: BY_REVISION,
  revision: id,
  percent,
  ...(tag && { tag }),
});

describe('routing', () => {
  it('resolves LATEST to the revision it names, or to the latest ready one when it names none', () => {
    const named = routingOf(
      service({
        traffic: [latest()],
        trafficStatuses: [{ type: LATEST, revision: 'api-2', percent: 100 }],
        latestReadyRevision: full('api-2'),
        latestCreatedRevision: full('api-3'),
      }),
    );
    expect([...named.actual]).toEqual([['api-2', 100]]);
    // LATEST asks for the latest ready revision now, and for the latest created one once it is ready.
    expect([...named.desired]).toEqual([
      ['api-2', 100],
      ['api-3', 100],
    ]);
    const unnamed = routingOf(
      service({ trafficStatuses: [{ type: LATEST, percent: 100 }], latestReadyRevision: full('api-2') }),
    );
    expect([...unnamed.actual]).toEqual([['api-2', 100]]);
    expect(describeTraffic(unnamed)).toBe('revision api-2 (100%)');
  });

  it('keeps tags, with their URL once routed, and reads the service commit label and a failed reconciliation', () => {
    const routing = routingOf(
      service({
        labels: { 'commit-sha': 'abc1234' },
        traffic: [
          pinned('api-1', 90),
          pinned('api-2', 10),
          pinned('api-3', 0, 'pr-12'),
          pinned('api-4', 0, 'next'),
        ],
        trafficStatuses: [
          pinned('api-1', 90),
          pinned('api-2', 10),
          { ...pinned('api-3', 0, 'pr-12'), uri: 'https://pr-12---api-abc-uc.a.run.app' },
        ],
        terminalCondition: {
          type: 'Ready',
          state: 'CONDITION_FAILED',
          message: 'Revision api-4 is not ready',
        },
      }),
    );
    expect(routing.tags.get('api-3')).toEqual([
      { tag: 'pr-12', uri: 'https://pr-12---api-abc-uc.a.run.app' },
    ]);
    expect(routing.tags.get('api-4')).toEqual([{ tag: 'next' }]);
    expect(routing.commitLabel).toBe('abc1234');
    expect(routing.terminalFailure).toBe('Revision api-4 is not ready');
    expect(describeTraffic(routing)).toBe('revision api-1 (90%) and revision api-2 (10%)');
  });
});

describe('revision statuses', () => {
  const settled = (extra: Partial<ServiceJson> = {}) =>
    routingOf(
      service({
        traffic: [latest()],
        trafficStatuses: [{ type: LATEST, revision: 'api-2', percent: 100 }],
        latestReadyRevision: full('api-2'),
        latestCreatedRevision: full('api-2'),
        ...extra,
      }),
    );

  it.each([
    ['CONDITION_PENDING', 'PENDING', 'pending'],
    ['STATE_UNSPECIFIED', 'PENDING', 'pending'],
    [undefined, 'PENDING', 'pending'],
    ['CONDITION_RECONCILING', 'RECONCILING', 'pending'],
    ['CONDITION_FAILED', 'FAILED', 'failed'],
  ])('Ready %s is %s (%s) whatever the traffic', (state, status, phase) => {
    const deploy = toDeploy(revision('api-3', state, { commit: 'c3' }), { routing: settled() });
    expect([deploy.status, deploy.state, deploy.canRollbackTo]).toEqual([status, phase, false]);
  });

  it('reads a revision without a Ready condition that says it reconciles as RECONCILING', () => {
    expect(toDeploy(revision('api-3', undefined, { reconciling: true }), {}).status).toBe('RECONCILING');
  });

  it('is SERVING once ready and routed; ROUTING while the service still moves traffic to it', () => {
    const routing = (reconciling: boolean, statuses: ServiceJson['trafficStatuses']) =>
      routingOf(
        service({
          reconciling,
          traffic: [latest()],
          trafficStatuses: statuses,
          latestReadyRevision: full('api-3'),
          latestCreatedRevision: full('api-3'),
        }),
      );
    const ready = revision('api-3', 'CONDITION_SUCCEEDED', { commit: 'c3', created: 5, ready: 7 });
    const moving = toDeploy(ready, {
      routing: routing(true, [{ type: LATEST, revision: 'api-2', percent: 100 }]),
    });
    expect(moving).toMatchObject({
      status: 'ROUTING',
      state: 'pending',
      deploying: true,
      finishedAt: undefined,
    });
    const halfway = toDeploy(ready, {
      routing: routing(true, [pinned('api-2', 50), { type: LATEST, revision: 'api-3', percent: 50 }]),
    });
    expect(halfway.status).toBe('ROUTING');
    const serving = toDeploy(ready, {
      routing: routing(false, [{ type: LATEST, revision: 'api-3', percent: 100 }]),
    });
    expect(serving).toEqual({
      id: 'api-3',
      status: 'SERVING',
      state: 'live',
      failedStage: undefined,
      commit: 'c3',
      createdAt: T0 + 5 * 60_000,
      finishedAt: T0 + 7 * 60_000,
      canRollbackTo: true,
      deploying: undefined,
    });
    // Ready without any routing read yet: not live until the service says it serves.
    expect(toDeploy(ready, {}).status).toBe('ROUTING');
  });

  it('stays SERVING while a newer revision is still being created, and is RETIRED once that one took over', () => {
    const ours = revision('api-2', 'CONDITION_SUCCEEDED', { commit: 'c2' });
    const during = routingOf(
      service({
        reconciling: true,
        traffic: [latest()],
        trafficStatuses: [{ type: LATEST, revision: 'api-2', percent: 100 }],
        latestReadyRevision: full('api-2'),
        latestCreatedRevision: full('api-3'),
      }),
    );
    expect(toDeploy(ours, { routing: during }).status).toBe('SERVING');
    const after = routingOf(
      service({
        traffic: [latest()],
        trafficStatuses: [{ type: LATEST, revision: 'api-3', percent: 100 }],
        latestReadyRevision: full('api-3'),
        latestCreatedRevision: full('api-3'),
      }),
    );
    expect(toDeploy(ours, { routing: after })).toMatchObject({
      status: 'RETIRED',
      state: 'replaced',
      canRollbackTo: true,
    });
  });

  it('is NO_TRAFFIC when it is the newest and traffic stays pinned elsewhere; TAGGED when verified at its tag URL', () => {
    const routing = routingOf(
      service({
        traffic: [pinned('api-2'), pinned('api-3', 0, 'candidate')],
        trafficStatuses: [
          pinned('api-2'),
          { ...pinned('api-3', 0, 'candidate'), uri: 'https://candidate---api-abc-uc.a.run.app' },
        ],
        latestReadyRevision: full('api-3'),
        latestCreatedRevision: full('api-3'),
      }),
    );
    const ours = revision('api-3', 'CONDITION_SUCCEEDED', { commit: 'c3' });
    expect(toDeploy(ours, { routing })).toMatchObject({
      status: 'NO_TRAFFIC',
      state: 'failed',
      failedStage: 'deploy',
    });
    expect(toDeploy(ours, { routing, taggedUrlRevision: 'api-3' })).toMatchObject({
      status: 'TAGGED',
      state: 'live',
    });
    // A revision only a tag points at is never a rollback target.
    expect(toDeploy(ours, { routing }).canRollbackTo).toBe(false);
  });

  it('fails at runtime a revision that stops being ready while it serves, at deploy one that never served', () => {
    const routing = settled();
    expect(toDeploy(revision('api-2', 'CONDITION_FAILED'), { routing })).toMatchObject({
      state: 'failed',
      failedStage: 'runtime',
    });
    expect(toDeploy(revision('api-3', 'CONDITION_FAILED'), { routing })).toMatchObject({
      state: 'failed',
      failedStage: 'deploy',
    });
  });

  it("takes the commit from the revision's label, else (the latest revision only) from the service's", () => {
    const routing = routingOf(
      service({
        labels: { 'commit-sha': 'svc1234' },
        latestCreatedRevision: full('api-3'),
        latestReadyRevision: full('api-3'),
        traffic: [latest()],
        trafficStatuses: [{ type: LATEST, revision: 'api-3', percent: 100 }],
      }),
    );
    expect(
      toDeploy(revision('api-3', 'CONDITION_SUCCEEDED', { commit: 'rev1234' }), { routing }).commit,
    ).toBe('rev1234');
    expect(toDeploy(revision('api-3', 'CONDITION_SUCCEEDED'), { routing }).commit).toBe('svc1234');
    expect(toDeploy(revision('api-2', 'CONDITION_SUCCEEDED'), { routing }).commit).toBeUndefined();
  });

  it('refuses to guess an unknown condition state, and a revision without a name', () => {
    expect(() => toDeploy(revision('api-3', 'CONDITION_MAYBE'), {})).toThrow(ProviderApiError);
    expect(() => toDeploy(revision('api-3', 'CONDITION_MAYBE'), {})).toThrow(
      /not one of the states this version knows/,
    );
    expect(() => toDeploy({ conditions: [] }, {})).toThrow(/without a name.*`api-url`/);
  });
});

describe('the last known good revision', () => {
  /** api-1 and api-2 served in turn; pr-7 is a tagged preview created after api-2; ours (api-3) is starting. */
  const revisions = [
    revision('api-3', 'CONDITION_RECONCILING', { commit: 'c3', created: 30 }),
    revision('pr-7', 'CONDITION_SUCCEEDED', { commit: 'c7', created: 20, ready: 21 }),
    revision('api-2', 'CONDITION_SUCCEEDED', { commit: 'c2', created: 10, ready: 11 }),
    revision('api-1', 'CONDITION_SUCCEEDED', { commit: 'c1', created: 0, ready: 1 }),
  ];

  it('is the revision serving before ours, never the newer tagged preview', () => {
    // The preview was deployed with --no-traffic --tag pr-7, which pinned the traffic to api-2 by name.
    const routing = routingOf(
      service({
        reconciling: true,
        traffic: [pinned('api-2'), pinned('pr-7', 0, 'pr-7')],
        trafficStatuses: [
          pinned('api-2'),
          { ...pinned('pr-7', 0, 'pr-7'), uri: 'https://pr-7---api-abc-uc.a.run.app' },
        ],
        latestReadyRevision: full('pr-7'),
        latestCreatedRevision: full('api-3'),
      }),
    );
    const deploys = revisions.map((r) => toDeploy(r, { routing }));
    const ours = deploys[0]!;
    expect(deploys.map((d) => [d.id, d.status, d.canRollbackTo])).toEqual([
      ['api-3', 'RECONCILING', false],
      ['pr-7', 'RETIRED', false],
      ['api-2', 'SERVING', true],
      ['api-1', 'RETIRED', true],
    ]);
    expect(findLastKnownGood(deploys, ours)?.id).toBe('api-2');
    expect(chooseRollbackTarget(ours, undefined, deploys)?.id).toBe('api-2');
  });

  it('when ours already serves, is the most recently ready revision before it that was not a tag only', () => {
    const routing = routingOf(
      service({
        traffic: [latest(), pinned('pr-7', 0, 'pr-7')],
        trafficStatuses: [
          { type: LATEST, revision: 'api-3', percent: 100 },
          { ...pinned('pr-7', 0, 'pr-7'), uri: 'https://pr-7---api-abc-uc.a.run.app' },
        ],
        latestReadyRevision: full('api-3'),
        latestCreatedRevision: full('api-3'),
      }),
    );
    const deploys = [
      revision('api-3', 'CONDITION_SUCCEEDED', { commit: 'c3', created: 30, ready: 31 }),
      ...revisions.slice(1),
    ].map((r) => toDeploy(r, { routing }));
    expect(findLastKnownGood(deploys, deploys[0]!)?.id).toBe('api-2');
  });
});
