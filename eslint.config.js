// Lint for the TypeScript and JavaScript of pipe: ESLint's and typescript-eslint's recommended rules,
// unused names (a leading _ marks one kept on purpose), and no focused tests (.only) left behind.
// Not type-aware: it runs in seconds on 2 cores; `npm run typecheck` (tsconfig.test.json, src/ and test/)
// does the type checks.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'native/build/', 'cache/', '.pipe-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'test'].map((object) => ({ object, property: 'only', message: 'A focused test hides the rest of the suite.' })),
      ],
    },
  },
  {
    // tests build broken inputs on purpose: `any` is how they reach into them
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
