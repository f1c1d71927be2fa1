// The pre step of Deploy Sentinel (action.yml `runs.pre`): the shared bundle in ../action loads its code.
import { start } from '../action/index.js';

await start('pre');
