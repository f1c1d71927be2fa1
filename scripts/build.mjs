#!/usr/bin/env node
// Bundles the action: ncc builds src/action.ts into dist/action/ (the code pre, main and post share, split
// into chunks that load when a run needs them), terser minifies the chunks ncc leaves as they are, and
// dist/pre, dist/main and dist/post get an entry file each that only starts its step.
// Usage: node scripts/build.mjs [outDir]   (default: dist; the test command builds to a temp dir and
// compares it with the committed dist/).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = resolve(root, process.argv[2] ?? 'dist');
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const bundle = join(outDir, 'action');

rmSync(outDir, { recursive: true, force: true });
const built = spawnSync(
  process.execPath,
  [ncc, 'build', 'src/action.ts', '-o', bundle, '--minify', '--license', 'licenses.txt', '--quiet'],
  { cwd: root, stdio: 'inherit' },
);
if (built.status !== 0) {
  console.error('ncc failed to bundle src/action.ts');
  process.exit(built.status ?? 1);
}

// ncc minifies its main file only; the chunks behind dynamic imports come out as webpack wrote them.
for (const file of readdirSync(bundle).filter((name) => /^\d+\.index\.js$/.test(name))) {
  const path = join(bundle, file);
  const result = await minify(readFileSync(path, 'utf8'), { module: true, compress: true, mangle: true });
  writeFileSync(path, result.code);
}

for (const step of ['pre', 'main', 'post']) {
  const dir = join(outDir, step);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.js'),
    `// The ${step} step of Deploy Sentinel (action.yml \`runs.${step}\`): the shared bundle in ../action loads its code.\n` +
      `import { start } from '../action/index.js';\n\nawait start('${step}');\n`,
  );
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
}
