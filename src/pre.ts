import { run } from './step/pre.js';

// The pre step's entry file, bundled to dist/pre by ncc: it only starts the step.
void run();
