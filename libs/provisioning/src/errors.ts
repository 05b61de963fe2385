/** The provisioning file is wrong; `problems` name each path and what to write instead. */
export class ProvisioningSpecError extends Error {
  override readonly name = 'ProvisioningSpecError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not a valid provisioning file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A password the file refers to cannot be read (unset variable, missing file, forbidden characters). */
export class SecretReferenceError extends Error {
  override readonly name = 'SecretReferenceError';
  constructor(readonly problems: readonly string[]) {
    super(
      `Cannot read the SCRAM passwords the file refers to:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** The plan holds changes Kafka cannot make in place, or deletions that were not allowed. */
export class PlanRefusedError extends Error {
  override readonly name = 'PlanRefusedError';
  constructor(readonly reasons: readonly string[]) {
    super(`Nothing was applied:\n${reasons.map((r) => `  - ${r}`).join('\n')}`);
  }
}
