/**
 * The layer rule in eslint.config.js (docs/architecture.md): each case lints a one-line file at a
 * path inside a layer with the project's own configuration, and expects the import to be refused
 * (or allowed) by no-restricted-imports.
 */
import t from 'tap'
import { ESLint } from 'eslint'
import { fileURLToPath } from 'node:url'

const cwd = fileURLToPath(new URL('../..', import.meta.url))
const eslint = new ESLint({ cwd })

async function restricted(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import '${specifier}'\n`, { filePath })
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

const refused: [string, string][] = [
  ['core/x.ts', '../server/app.js'],
  ['core/x.ts', '../cli/program.js'],
  ['core/x.ts', 'fastify'],
  ['scan/x.ts', '../core/queries.js'],
  ['scan/workers/x.ts', '../../db/database.js'],
  ['ingest/x.ts', '../core/datasets.js'],
  ['db/x.ts', '../core/context.js'],
  ['sketch/mechanisms/x.ts', '../../db/database.js'],
  ['sketch/x.ts', 'node:fs'],
  ['sketch/kernels/x.ts', 'node:module'],
  ['sketch/x.ts', 'better-sqlite3'],
  ['privacy/x.ts', '../sketch/bits.js'],
  ['privacy/x.ts', 'node:crypto'],
  ['server/x.ts', '../cli/program.js'],
]
const allowed: [string, string][] = [
  ['server/x.ts', '../core/index.js'],
  ['cli/x.ts', '../core/index.js'],
  ['core/x.ts', '../scan/pool.js'],
  ['core/x.ts', '../db/database.js'],
  ['scan/x.ts', '../sketch/kernels/count-filter.js'],
  ['sketch/mechanisms/x.ts', '../../privacy/randomized-response.js'],
  ['sketch/kernels/native-count-filter.ts', 'node:module'],
  ['privacy/noise-source.ts', 'node:crypto'],
]

t.test('wrong-direction imports fail lint', async (t) => {
  for (const [file, spec] of refused) t.ok((await restricted(file, spec)).length > 0, `${file} may not import ${spec}`)
})

t.test('imports down the layers pass', async (t) => {
  for (const [file, spec] of allowed) t.same(await restricted(file, spec), [], `${file} may import ${spec}`)
})
