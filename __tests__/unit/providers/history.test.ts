/**
 * The deploy history questions (src/providers/history.ts): the last known good deploy, the rollback
 * target, and the newer deploys that take over from ours.
 */
import { describe, expect, it } from '@jest/globals';
import { chooseRollbackTarget, findLastKnownGood, newerDeploys } from '../../../src/providers/history.js';
import type { Deploy, DeployState, Provider } from '../../../src/providers/types.js';

/** A deploy created at minute `created` and finished at minute `finished` (undefined: not said). */
function dep(
  id: string,
  state: DeployState,
  created: number | undefined,
  finished?: number,
  canRollbackTo = state === 'live' || state === 'replaced',
): Deploy {
  return {
    id,
    status: state,
    state,
    canRollbackTo,
    createdAt: created === undefined ? undefined : created * 60_000,
    finishedAt: finished === undefined ? undefined : finished * 60_000,
  };
}

describe('findLastKnownGood', () => {
  it('is the deploy live now when ours is not live yet', () => {
    const ours = dep('ours', 'pending', 100);
    const live = dep('live', 'live', 50, 55);
    const newerReplaced = dep('old', 'replaced', 60, 90);
    expect(findLastKnownGood([ours, newerReplaced, live], ours)).toBe(live);
  });

  it('else the most recently finished deploy that can be rolled back to', () => {
    const ours = dep('ours', 'live', 100, 110);
    const a = dep('a', 'replaced', 10, 20);
    const c = dep('c', 'replaced', 40, 90);
    const b = dep('b', 'replaced', 30, 50);
    const failed = dep('failed', 'failed', 95, 96);
    expect(findLastKnownGood([a, b, failed, c, ours], ours)).toBe(c);
    expect(findLastKnownGood([c, b, a, ours], ours)).toBe(c);
  });

  it('counts a deploy without a finish time as the oldest', () => {
    const ours = dep('ours', 'live', 100, 110);
    const unknown = dep('unknown', 'replaced', 10);
    const known = dep('known', 'replaced', 20, 30);
    expect(findLastKnownGood([unknown, known, ours], ours)).toBe(known);
    expect(findLastKnownGood([known, unknown, ours], ours)).toBe(known);
  });

  it('never picks a deploy created with or after ours, nor ours itself', () => {
    const ours = dep('ours', 'pending', 100);
    expect(
      findLastKnownGood([dep('same', 'live', 100, 101), dep('later', 'live', 120, 121), ours], ours),
    ).toBe(undefined);
    const liveOurs = dep('ours', 'live', 100, 105);
    expect(findLastKnownGood([liveOurs], liveOurs)).toBeUndefined();
  });

  it('takes every other deploy as earlier when ours has no creation time, but never ours', () => {
    const ours = dep('ours', 'live', undefined, 105);
    const older = dep('older', 'replaced', 50, 60);
    expect(findLastKnownGood([ours, older], ours)).toBe(older);
    const pendingOurs = dep('ours', 'pending', undefined);
    const live = dep('live', 'live', 50, 55);
    expect(findLastKnownGood([pendingOurs, live], pendingOurs)).toBe(live);
  });

  it('counts a deploy without a creation time as earlier than ours', () => {
    const ours = dep('ours', 'pending', 100);
    const undated = dep('undated', 'live', undefined, 5);
    expect(findLastKnownGood([ours, undated], ours)).toBe(undated);
  });
});

describe('chooseRollbackTarget', () => {
  const ours = dep('ours', 'live', 100, 110);
  const newest = dep('newest', 'replaced', 80, 90);
  const older = dep('older', 'replaced', 40, 50);

  it('is the last known good deploy when it can be rolled back to', () => {
    expect(chooseRollbackTarget(ours, older, [ours, newest, older])).toBe(older);
  });

  it('else the newest finished deploy before ours that can be rolled back to', () => {
    const notRollbackable = { ...older, canRollbackTo: false };
    expect(chooseRollbackTarget(ours, notRollbackable, [older, ours, newest])).toBe(newest);
    expect(chooseRollbackTarget(ours, ours, [older, ours, newest])).toBe(newest);
    expect(chooseRollbackTarget(ours, undefined, [older, newest, ours])).toBe(newest);
  });

  it('is undefined when nothing before ours can be rolled back to', () => {
    expect(
      chooseRollbackTarget(ours, undefined, [
        ours,
        dep('failed', 'failed', 90, 95),
        dep('later', 'replaced', 120, 130),
      ]),
    ).toBeUndefined();
  });
});

describe('newerDeploys', () => {
  function provider(deploys: Deploy[]) {
    const asked: ({ createdAfter?: number } | undefined)[] = [];
    const fake = {
      listDeploys: async (options?: { createdAfter?: number }) => {
        asked.push(options);
        return deploys;
      },
    } as unknown as Provider;
    return { fake, asked };
  }

  it('lists deploys created after ours that take over: pending, live or replaced', async () => {
    const ours = dep('ours', 'live', 100, 110);
    const { fake, asked } = provider([
      dep('pending', 'pending', 120),
      dep('failed', 'failed', 119),
      dep('canceled', 'canceled', 118),
      dep('skipped', 'skipped', 117),
      dep('live', 'live', 116),
      dep('replaced', 'replaced', 115),
      dep('approval', 'needs-approval', 114),
      ours,
    ]);
    const newer = await newerDeploys(fake, ours);
    expect(newer?.map((d) => d.id)).toEqual(['pending', 'live', 'replaced', 'approval']);
    expect(asked).toEqual([{ createdAfter: 100 * 60_000 }]);
  });

  it('cannot tell without a creation time for ours, and asks nothing', async () => {
    const { fake, asked } = provider([dep('x', 'live', 1)]);
    expect(await newerDeploys(fake, dep('ours', 'live', undefined))).toBeUndefined();
    expect(asked).toEqual([]);
  });
});
