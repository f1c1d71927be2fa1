// The post step of Deploy Sentinel (action.yml `runs.post`): the shared bundle in ../action loads its code.
import { start } from '../action/index.js';

await start('post');
