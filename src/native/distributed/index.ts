// Multi-device training: the single-host launcher (one process per rank) and the rank environment helpers.
export { runDistributedTraining } from './launcher.js';
export { DistributedTrainingError, rankScriptPath } from './launch-contract.js';
export type { DistributedLaunch, DistributedTrainResult, RankOutcome } from './launch-contract.js';
export { rankEnv, rankEnvVars } from './rank-env.js';
export type { RankEnv } from './rank-env.js';
export { freePort } from './port.js';
