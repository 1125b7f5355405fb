/** Entry point of one built-in stage instance in its own process (see `stage-api/child.ts`). */
import './app.js';
import { runStageChild } from './stage-api/child.js';

runStageChild();
