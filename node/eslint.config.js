'use strict';
// ESLint (flat config) for the Node binding and its benchmark: the recommended rules, Node's
// globals; .js and .cjs files are CommonJS, .mjs files ES modules. `make lint` runs it.
const js = require('@eslint/js');
const globals = require('globals');

module.exports = [
  { ignores: ['**/node_modules/**', '**/build/**'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2023, globals: globals.node },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2023, globals: globals.node },
  },
];
