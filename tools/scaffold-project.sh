#!/usr/bin/env bash
# Scaffolds an Nx project with the house layout: project.json (test, typecheck, lint),
# tsconfig, vitest config and src/index.ts.
# Usage: tools/scaffold-project.sh <dir> <name> <tag> [integration]
set -euo pipefail
dir=$1; name=$2; tag=$3; integration=${4:-}
mkdir -p "$dir/src"
depth=$(echo "$dir" | awk -F/ '{print NF}')
up=$(printf '../%.0s' $(seq 1 "$depth"))
cat > "$dir/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "${up}node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$dir/src",
  "projectType": "$( [ "$tag" = type:app ] && echo application || echo library )",
  "tags": ["$tag"],
  "targets": {
    "test": {
      "executor": "nx:run-commands",
      "options": { "command": "vitest run --config $dir/vitest.config.ts", "cwd": "{workspaceRoot}" }
    },
    "typecheck": {
      "executor": "nx:run-commands",
      "options": { "command": "tsc -p $dir/tsconfig.json --noEmit", "cwd": "{workspaceRoot}" }
    }
  }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "${up}tsconfig.base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src/**/*.ts"]
}
JSON
cat > "$dir/vitest.config.ts" <<TS
import { projectConfig } from '${up}vitest.shared';

export default projectConfig({ name: '$name', dir: __dirname$( [ -n "$integration" ] && echo ", integration: true" ) });
TS
[ -f "$dir/src/index.ts" ] || echo "export {};" > "$dir/src/index.ts"
npx prettier --write --log-level warn "$dir" >/dev/null 2>&1 || true
