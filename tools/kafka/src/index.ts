export {
  startLocalKafka,
  type LocalKafkaCluster,
  type LocalKafkaNode,
  type LocalKafkaOptions,
  type ClusterState,
} from './cluster';
export { ensureKafkaJars, kafkaVersion, KafkaToolError, libDir } from './jars';
export { freePort, isPortOpen } from './ports';
export { readClusterStates, runningPlainCluster, isAlive, RUN_DIR } from './state';
export { applyScramUsers, type AdminCredentials, type ScramUserChange } from './scram';
