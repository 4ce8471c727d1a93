// A deliberately small rule set: the TypeScript parser, one restricted-syntax rule, the layers'
// import directions and no import cycles. typescript-eslint's "recommended" would flag hundreds of
// unrelated lines.
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Stands in for eslint-plugin-react-hooks (not installed yet): two comments in src/ui name its
// exhaustive-deps rule, and ESLint reports a comment naming an unknown rule as an error. No rule
// of it is turned on; replace it with the real plugin when adding hook rules.
const reactHooksPlaceholder = { rules: { 'exhaustive-deps': { create: () => ({}) } } };

/**
 * The layers, lowest first: core (pure: no TF.js, no WebGPU calls, no DOM), tf (TF.js), gpu (the
 * WebGPU runtime), then worker, ui, cli, kernels-page. A layer imports only layers below it.
 */
const UI_LIBRARIES = ['react', 'react-dom', 'react-dom/*', 'recharts', 'zustand', 'zustand/*', 'katex', 'comlink'];
const layer = (files, forbidden, why) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message: why }] }] },
});

const STACK =
  'spreads every element onto the call stack: past ~100,000 elements it throws "Maximum call stack size exceeded"';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'public/**', 'docs/**', 'test-results/**', 'playwright-report/**', 'results/**'] },
  {
    files: ['src/**/*.{ts,tsx}', 'scripts/**/*.{ts,mjs}', 'tests/**/*.ts', 'e2e/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    plugins: { 'react-hooks': reactHooksPlaceholder },
    linterOptions: {
      // The react-hooks comments disable a rule that is off, so they count as unused.
      reportUnusedDisableDirectives: 'off',
    },
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(min|max)$/] > SpreadElement",
          message: `Math.min/Math.max(...values) ${STACK}. Use minOf/maxOf from src/core/arrays.ts.`,
        },
        {
          selector: 'CallExpression[callee.property.name=/^(push|unshift|splice)$/] > SpreadElement',
          message: `push/unshift/splice(...items) ${STACK}. Use pushAll from src/core/arrays.ts, or a loop.`,
        },
        {
          selector: "CallExpression[callee.object.name='String'][callee.property.name=/^fromCodePoint$|^fromCharCode$/] > SpreadElement",
          message: `String.fromCharCode(...codes) ${STACK}. Build the string in chunks or with a loop.`,
        },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    languageOptions: { parser: tseslint.parser },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js'],
    },
    // Type-only imports vanish at run time; a cycle through them is harmless.
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: false }] },
  },
  layer(
    ['src/core/**'],
    ['@tensorflow/*', 'webgpu', '**/tf', '**/tf/*', '**/gpu', '**/gpu/*', '**/worker/*', '**/ui/*', '**/cli/*', '**/kernels-page/*', ...UI_LIBRARIES],
    'src/core is the pure layer (no TF.js, no WebGPU calls, no UI): move the code that needs them to src/tf or src/gpu.',
  ),
  layer(
    ['src/tf/**'],
    ['**/gpu', '**/gpu/*', '**/worker/*', '**/ui/*', '**/cli/*', '**/kernels-page/*', ...UI_LIBRARIES],
    'src/tf (TF.js) sits on src/core only.',
  ),
  layer(
    ['src/gpu/**'],
    ['**/worker/*', '**/ui/*', '**/cli/*', '**/kernels-page/*', ...UI_LIBRARIES],
    'src/gpu (the WebGPU runtime) sits on src/tf and src/core only.',
  ),
  layer(
    ['src/worker/**'],
    ['**/ui/*', '**/cli/*', '**/kernels-page/*', ...UI_LIBRARIES.filter((name) => name !== 'comlink')],
    'The worker never imports the page.',
  ),
);
