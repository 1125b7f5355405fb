/** Public API of the postprocessing layer: the largest-connected-component decision and its application. */
export { keepLargestComponent, labelComponents } from './connected-components.js';
export type { Shape3 } from './connected-components.js';
export { applyPostprocessing, describeForWhichClasses, determinePostprocessing, isPostprocessingTarget, postprocessingJson } from './decide.js';
export type { PostprocessingCase, PostprocessingDecision } from './decide.js';
