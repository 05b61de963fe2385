import root from '../../eslint.config.mjs';

export default [
  ...root,
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      // Runs in browsers and WebViews.
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'Use Uint8Array: this runs in browsers.' },
        { name: 'process', message: 'This runs in browsers.' },
      ],
    },
  },
  { ignores: ['public/**'] },
];
