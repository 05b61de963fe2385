import { builtinModules } from 'node:module';
import root from '../../eslint.config.mjs';

// Browser-safe: the citizen app bundles this library, so no Node built-ins and no Buffer.
export default [
  ...root,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({
            name,
            message: 'message-content runs in browsers: no Node built-ins.',
          })),
          patterns: [{ group: ['node:*'], message: 'message-content runs in browsers: no Node built-ins.' }],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'Use Uint8Array and TextEncoder: this library runs in browsers.' },
        { name: 'process', message: 'This library runs in browsers.' },
      ],
    },
  },
];
