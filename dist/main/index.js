// The main step of Deploy Sentinel (action.yml `runs.main`): the shared bundle in ../action loads its code.
import { start } from '../action/index.js';

await start('main');
