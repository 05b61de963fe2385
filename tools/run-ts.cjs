#!/usr/bin/env node
// Runs a TypeScript entry point without a build step: ts-node with the SWC transpiler
// (fast, and it emits the decorator metadata NestJS needs) plus tsconfig path aliases.
// Usage: node tools/run-ts.cjs <file.ts> [args...]
'use strict';
const path = require('node:path');
const root = path.resolve(__dirname, '..');
process.env.TS_NODE_PROJECT = process.env.TS_NODE_PROJECT || path.join(root, 'tsconfig.json');
require('ts-node').register({
  project: process.env.TS_NODE_PROJECT,
  transpileOnly: true,
  transpiler: 'ts-node/transpilers/swc',
});
require('tsconfig-paths').register({
  baseUrl: root,
  paths: require(path.join(root, 'tsconfig.base.json')).compilerOptions.paths,
});
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run-ts.cjs <file.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
