/** The demo dataset generator. */
export {
  synthesizeDecathlon,
  SYNTHESIZE_DEFAULTS,
  type SynthesizeOptions,
  type SynthesizeResult,
  type SynthesizedCase,
} from './synthesize.js';
export { Random } from './random.js';
