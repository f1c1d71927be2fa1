import * as core from '@actions/core';

/**
 * Every key the pre, main and post steps share through `GITHUB_STATE`. This module is the only place
 * that names them, so the three entry points cannot drift apart.
 */
const KEYS = {
  canary: 'deploy-sentinel-canary',
  runNonce: 'deploy-sentinel-run-nonce',
} as const;

/**
 * What `pre` did with the canary. `captured` holds secrets: re-register them when read back. `baseUrl`
 * is where it was written (the provider's service URL when `url` is not set), so post deletes it there.
 * `versionAtWrite` is the version the service reported then, and `deployAtWrite` (provider mode) the
 * deploy that served: a canary written to the new deploy itself never crossed it, and proves nothing
 * about persistence.
 */
export type CanaryState =
  | {
      status: 'written';
      captured: Record<string, string>;
      baseUrl?: string;
      versionAtWrite?: string;
      deployAtWrite?: { id: string; commit?: string };
    }
  | { status: 'not-written'; reason: string };

/** Reads and writes the action's state; tests pass an in-memory implementation. */
export interface StateStore {
  get(key: string): string;
  save(key: string, value: string): void;
}

export const runnerStateStore: StateStore = {
  get: (key) => core.getState(key),
  save: (key, value) => core.saveState(key, value),
};

/** Typed access to the shared state. */
export class ActionState {
  constructor(private readonly store: StateStore = runnerStateStore) {}

  /** The canary outcome saved by `pre`, or undefined when `pre` never ran. */
  canary(): CanaryState | undefined {
    const raw = this.store.get(KEYS.canary);
    return raw ? (JSON.parse(raw) as CanaryState) : undefined;
  }

  saveCanary(state: CanaryState): void {
    this.store.save(KEYS.canary, JSON.stringify(state));
  }

  /** The nonce `pre` used, so `{{ run.nonce }}` means the same value in pre, main and post. */
  runNonce(): string | undefined {
    return this.store.get(KEYS.runNonce) || undefined;
  }

  saveRunNonce(nonce: string): void {
    this.store.save(KEYS.runNonce, nonce);
  }
}
