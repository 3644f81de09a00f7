/**
 * The generated admin token of a real server child whose stdout is a pipe (as in a container, where
 * stdout ends up in the logs): it is written once to a file beside the database that only its owner
 * can read, the log says only where that file is, and the secret appears on neither stream. A
 * restart generates nothing new.
 */
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, startServer, type ServerProcess } from '../support/server-process.js'

t.test('a generated admin token goes to a 0600 file, never to stdout or the log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-admin-'))
  const dbPath = join(dir, 'dpdist.db')
  const servers: ServerProcess[] = []
  t.teardown(async () => {
    for (const s of servers) await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const s = await startServer({ dbPath, adminToken: null })
  servers.push(s)
  // beside the database, as README and SECURITY.md say
  const path = `${dbPath}.admin-token`
  const secret = readFileSync(path, 'utf8').trim()
  t.match(secret, /^dpd_[A-Za-z0-9_-]{43}$/, 'it holds the generated token')
  t.equal(statSync(path).mode & 0o777, 0o600, 'readable by its owner only')
  const output = s.stdout() + s.stderr()
  t.notOk(output.includes(secret), 'the secret is on neither stdout nor stderr')
  t.ok(output.split('\n').some((l) => l.includes(path) && l.includes('admin token')), 'the log says where the file is')
  t.equal((await api(s, 'GET', '/v1/tokens', { token: secret })).status, 200, 'the token is a working admin token')

  await s.kill('SIGTERM')
  rmSync(path)
  const again = await startServer({ dbPath, adminToken: null })
  servers.push(again)
  t.throws(() => statSync(path), 'a restart generates no new token (an admin exists)')
  t.equal((await api(again, 'GET', '/v1/tokens', { token: secret })).status, 200, 'and the first one still works')
})
