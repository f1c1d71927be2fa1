// Preloaded with `node --import` by the start-up benchmark: records every JavaScript file the process loads
// (ES modules and CommonJS, the bundle's chunks included) and prints their count and total size at exit,
// as `loaded-js-files=<n> loaded-js-bytes=<n>`, so RESULTS.md can say what a run really loads.
import { statSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const files = new Set();
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) files.add(fileURLToPath(url));
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  let bytes = 0;
  const loaded = [];
  for (const file of files) {
    // Only the action's own files: not this preload or the harness's.
    const inDist = /[\\/]dist[\\/](.*\.js)$/.exec(file);
    if (!inDist) continue;
    try {
      const size = statSync(file).size;
      bytes += size;
      loaded.push(`${inDist[1]}:${size}`);
    } catch {
      // gone: not counted
    }
  }
  process.stderr.write(
    `\nloaded-js-files=${loaded.length} loaded-js-bytes=${bytes} loaded-js=${loaded.join(',')}\n`,
  );
});
