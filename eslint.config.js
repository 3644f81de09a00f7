// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * The layers (docs/architecture.md): server/ and cli/ → core/ → scan/, ingest/, sketch/, privacy/,
 * db/. Each folder may import only the layers below it; sketch/ and privacy/ are pure (no I/O, no
 * database, no Node built-ins beyond crypto for the noise source). test/lint/layers.test.ts shows
 * the rule failing on a wrong-direction import.
 */
const layer = (name) => ({ regex: `(^|/)${name}/`, message: `this layer may not import ${name}/ (see docs/architecture.md)` })
const web = { regex: '^(fastify|fastify-.*|@fastify/.*)$', message: 'only server/ uses Fastify' }
const builtins = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'net', 'http', 'https', 'http2', 'stream', 'module', 'buffer', 'url', 'util', 'zlib', 'crypto', 'process', 'dns', 'events', 'timers', 'perf_hooks', 'v8', 'vm']
const builtin = (allowed = []) => ({
  regex: `^(node:)?(${builtins.filter((b) => !allowed.includes(b)).join('|')})(/.*)?$`,
  message: 'sketch/ and privacy/ are pure: no Node built-ins (the noise source alone uses crypto, the native kernel loader alone uses module)',
})
const pure = [layer('server'), layer('cli'), layer('core'), layer('scan'), layer('ingest'), layer('db'), web, { regex: '^better-sqlite3$', message: 'only db/ opens the database' }]
const restrict = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } })

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Production noise must come from the NoiseSource (crypto), never Math.random.
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a NoiseSource (privacy/noise-source.ts).' }],
    },
  },
  restrict(['server/**'], [layer('cli')]),
  restrict(['core/**'], [layer('server'), layer('cli'), web]),
  restrict(['scan/**'], [layer('server'), layer('cli'), layer('core'), layer('db'), web]),
  restrict(['ingest/**'], [layer('server'), layer('cli'), layer('core'), layer('scan'), layer('db'), web]),
  restrict(['db/**'], [layer('server'), layer('cli'), layer('core'), layer('scan'), layer('ingest'), web]),
  restrict(['sketch/**'], [...pure, builtin()]),
  restrict(['sketch/kernels/native-count-filter.ts'], [...pure, builtin(['module'])]),
  restrict(['privacy/**'], [...pure, layer('sketch'), builtin()]),
  restrict(['privacy/noise-source.ts'], [...pure, layer('sketch'), builtin(['crypto'])]),
)
