// @smis/provisioning: topics, SCRAM users and ACLs of the platform as code. One YAML file
// (deploy/provisioning/platform.yaml) is planned against a cluster and applied idempotently, or
// rendered as Strimzi KafkaTopic/KafkaUser resources.
export type {
  PasswordReference,
  PrincipalDeclaration,
  ProvisioningSpec,
  SenderDeclaration,
  ServiceDeclaration,
  TopicDeclaration,
  TopicPattern,
} from './spec/provisioning-spec';
export { DEFAULT_STATE_TOPIC, parseProvisioningSpec } from './spec/parse-spec';
export { describeReference, resolvePasswords, type SecretSources } from './spec/secrets';
export {
  aclKey,
  desiredState,
  principalOf,
  type DesiredState,
  type DesiredTopic,
  type DesiredUser,
} from './desired/desired-state';
export {
  ACTION,
  changeCount,
  planChanges,
  type Change,
  type ChangeAction,
  type ClusterSnapshot,
  type ConfigChange,
  type ExistingTopic,
  type PlanInput,
  type ProvisioningPlan,
  type ProvisioningState,
  type ResourceKind,
} from './plan/plan';
export { describeAcl, describeChange, formatPlan, summarizePlan } from './plan/format-plan';
export { fingerprintPassword, matchesFingerprint, type PasswordFingerprint } from './state/fingerprint';
export {
  EMPTY_STATE,
  foldState,
  InMemoryStateStore,
  type ProvisioningStateStore,
  type StateUpdate,
} from './state/state-store';
export { KafkaStateStore } from './state/kafka-state-store';
export type { ProvisioningAdmin, ScramUserAdmin, ScramUserChange } from './apply/ports';
export {
  createProvisioner,
  type ApplyOptions,
  type PlanOptions,
  type PreparedPlan,
  type Provisioner,
  type ProvisionerDependencies,
} from './apply/provisioner';
export {
  kubernetesName,
  renderStrimzi,
  STRIMZI_API_VERSION,
  type StrimziResources,
} from './strimzi/render-strimzi';
export { PlanRefusedError, ProvisioningSpecError, SecretReferenceError } from './errors';
