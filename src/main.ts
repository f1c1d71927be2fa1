import { run } from './step/main.js';

// The main step's entry file, bundled to dist/main by ncc: it only starts the step.
void run();
