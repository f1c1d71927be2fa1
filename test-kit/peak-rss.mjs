// Preloaded with `node --import` by tests that bound memory: prints the process's peak RSS at exit.
process.on('exit', () => process.stderr.write(`\npeak-rss-kib=${process.resourceUsage().maxRSS}\n`));
