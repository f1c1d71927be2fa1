// Lets scripts that run on Node 24 without a build (the demo, the benchmarks) import the TypeScript sources (src/, test-kit/):
// Node strips the types itself (--experimental-transform-types, for parameter properties), and this hook
// maps the `.js` specifiers TypeScript's NodeNext style uses to the `.ts` files that exist.
import { registerHooks } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
      const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
      if (
        !existsSync(fileURLToPath(new URL(specifier, context.parentURL))) &&
        existsSync(fileURLToPath(candidate))
      )
        return nextResolve(candidate.href, context);
    }
    return nextResolve(specifier, context);
  },
});
