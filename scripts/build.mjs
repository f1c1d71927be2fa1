#!/usr/bin/env node
// Bundles the three entry points with ncc: dist/main, dist/pre, dist/post (minified, with licenses).
// Usage: node scripts/build.mjs [outDir]   (default: dist; the test command builds to a temp dir and
// compares it with the committed dist/).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = resolve(root, process.argv[2] ?? 'dist');
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

rmSync(outDir, { recursive: true, force: true });
for (const entry of ['main', 'pre', 'post']) {
  const result = spawnSync(
    process.execPath,
    [
      ncc,
      'build',
      `src/${entry}.ts`,
      '-o',
      join(outDir, entry),
      '--minify',
      '--license',
      'licenses.txt',
      '--quiet',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    console.error(`ncc failed to bundle src/${entry}.ts`);
    process.exit(result.status ?? 1);
  }
}
