// The schema tooling behind tools/schemas/{check,generate,asyncapi}.ts.
export { checkSchemas, type CheckOptions, type CheckReport } from './check';
export { checkCompatibility, type CompatibilityIssue, type CompatibilityRule } from './compatibility';
export { generateAsyncApi, ASYNCAPI_PATH } from './asyncapi';
export { generateTypeScript, GENERATED_RECORDS, GENERATED_SCHEMAS } from './typescript';
export { readGitBaseline, type Baseline } from './git-baseline';
export { loadSchemaFiles, formatViolation, type SchemaFile, type Violation } from './schema-files';
