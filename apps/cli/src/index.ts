export { runCli, type CliDependencies } from './cli';
export { EXIT, type ExitCode } from './exit-codes';
export type { CliIo } from './io';
export { STRIMZI_FILES } from './admin/render-strimzi-command';
export { configCommandScramAdmin, findKafkaLibs } from './scram/config-command-scram-admin';
