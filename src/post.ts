import { run } from './step/post.js';

// The post step's entry file, bundled to dist/post by ncc: it only starts the step.
void run();
