/**
 * The generated TypeScript client (clients/typescript) against a listening server on a free port:
 * the walkthrough type-checks on its own (a client project's strict tsconfig with DOM types) and
 * runs every resource through openapi-fetch. When the spec and the server disagree, it fails.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startServer } from '../support/server-process.js'
import { tempDir } from '../support/app.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))

t.test('the client type-checks as a client project would compile it', async (t) => {
  const { stdout } = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'clients/typescript/tsconfig.json'], { cwd: root })
  t.equal(stdout, '', 'no type errors')
})

t.test('the walkthrough runs through the client against a listening server', async (t) => {
  const server = await startServer({ dbPath: join(tempDir(), 'dpdist.db') })
  t.teardown(() => server.kill())
  const result = await run(process.execPath, ['--import', 'tsx', 'clients/typescript/walkthrough.ts', server.url, server.adminToken], { cwd: root, timeout: 300_000 }).catch(
    (err: { stderr?: string; code?: number }) => ({ stdout: '', stderr: err.stderr ?? String(err), failed: true }),
  )
  t.equal(result.stderr, '', 'no contract breaks')
  t.match(result.stdout, /^walkthrough ok: walk-\d+\n$/)
})
