// Multi-device training: the single-host launcher (one process per rank) and the rank environment helpers.
export { DistributedTrainingError, rankScriptPath, runDistributedTraining } from './launcher.js';
export type { DistributedLaunch, DistributedTrainResult, RankOutcome } from './launcher.js';
export { rankEnv, rankEnvVars } from './rank-env.js';
export type { RankEnv } from './rank-env.js';
export { freePort } from './port.js';
