/**
 * The application: pipe's engine with nnU-Net's stage kinds. Importing this module registers the kinds
 * and the stage child script; the three entry points (`main.ts`, `stage-child.ts`, `index.ts`) import it
 * first. The engine itself knows no nnU-Net.
 */
import { fileURLToPath } from 'node:url';
import { nnunetStageKinds } from './nnunet/stages/index.js';
import { registerStageKinds } from './stage-api/registry.js';

registerStageKinds(nnunetStageKinds, { childScript: fileURLToPath(new URL('./stage-child.js', import.meta.url)) });
