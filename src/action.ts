/**
 * The one bundle behind dist/pre, dist/main and dist/post. Each of those entries only calls `start` with
 * its step, and this loads that step's entry file alone, so pre and post do not pay for main's code, and
 * the code the three share is built once.
 */
const STEPS = {
  pre: () => import('./pre.js'),
  main: () => import('./main.js'),
  post: () => import('./post.js'),
};

/** Starts one of the action's steps (its entry file runs it on import). */
export async function start(step: keyof typeof STEPS): Promise<void> {
  await STEPS[step]();
}
