// ESLint for dcn: the recommended rules of ESLint and typescript-eslint, nothing of taste; Prettier owns
// layout (eslint-config-prettier turns off the rules it would fight), tsc checks types (npm run typecheck)
// and knip finds unused files and exports (npm run lint).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // a leading _ names what is left out on purpose (a destructured member, an unused parameter)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { varsIgnorePattern: '^_', argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  prettier,
);
