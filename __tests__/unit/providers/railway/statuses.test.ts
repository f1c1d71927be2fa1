/**
 * Railway's deployment statuses (src/providers/railway/statuses.ts), checked against the enum in Railway's
 * own schema (shared/specs/railway/schema.json): every status Railway can send has a meaning, and the
 * ones a run decides on mean what the README says.
 */
import { describe, expect, it } from '@jest/globals';
import { GraphQLEnumType } from 'graphql';
import { ProviderApiError } from '../../../../src/errors.js';
import { toDeploy } from '../../../../src/providers/railway/statuses.js';
import { loadRailwaySchema } from '../../../../test-kit/emulators/railway-contract.js';

const statusType = loadRailwaySchema().getType('DeploymentStatus');
const STATUSES =
  statusType instanceof GraphQLEnumType ? statusType.getValues().map((value) => value.name) : [];

const deployment = (status: string, extra: object = {}) =>
  toDeploy({
    id: 'd1',
    status,
    createdAt: '2026-12-03T08:00:00Z',
    statusUpdatedAt: '2026-12-03T08:05:00Z',
    canRollback: true,
    meta: { commitHash: 'abc1234def' },
    ...extra,
  });

describe('Railway deployment statuses', () => {
  it("maps every status of Railway's schema, all 13", () => {
    expect(STATUSES).toHaveLength(13);
    for (const status of STATUSES) expect(() => deployment(status)).not.toThrow();
  });

  it.each([
    ['SUCCESS', 'live'],
    ['SLEEPING', 'live'],
    ['DEPLOYING', 'pending'],
    ['BUILDING', 'pending'],
    ['QUEUED', 'pending'],
    ['NEEDS_APPROVAL', 'needs-approval'],
    ['FAILED', 'failed'],
    ['CRASHED', 'failed'],
    ['SKIPPED', 'skipped'],
    ['REMOVED', 'canceled'],
  ])('%s is %s', (status, state) => {
    expect(deployment(status).state).toBe(state);
  });

  it('tells a failed build from a crash, and marks the states the run treats specially', () => {
    expect(deployment('FAILED').failedStage).toBe('deploy');
    expect(deployment('CRASHED').failedStage).toBe('runtime');
    expect(deployment('SLEEPING').sleeping).toBe(true);
    expect(deployment('DEPLOYING').deploying).toBe(true);
    // Still on its way: no finish time yet.
    expect(deployment('BUILDING').finishedAt).toBeUndefined();
    expect(deployment('SUCCESS').finishedAt).toBe(Date.parse('2026-12-03T08:05:00Z'));
  });

  it('can roll back only to what Railway allows and what once served', () => {
    expect(deployment('SUCCESS').canRollbackTo).toBe(true);
    expect(deployment('REMOVED').canRollbackTo).toBe(true);
    expect(deployment('SUCCESS', { canRollback: false }).canRollbackTo).toBe(false);
    expect(deployment('FAILED').canRollbackTo).toBe(false);
    expect(deployment('CRASHED').canRollbackTo).toBe(false);
  });

  it('reads the commit from meta, and nothing from an image deploy', () => {
    expect(deployment('SUCCESS').commit).toBe('abc1234def');
    expect(deployment('SUCCESS', { meta: null }).commit).toBeUndefined();
  });

  it('stops on a status this version does not know, rather than guess', () => {
    expect(() => deployment('HIBERNATING')).toThrow(ProviderApiError);
    expect(() => deployment('HIBERNATING')).toThrow(/not one of the 13 statuses .* Update Deploy Sentinel/);
  });
});
