/**
 * Two small faults. A client that aborts its upload is not an error of the server (it was logged
 * as an "unhandled error"); its rows are removed all the same. A start on a database file the
 * server may not write fails with a message saying so, and leaves nothing behind (it left a `-shm`
 * with the file's read-only mode, and every later start failed, even once the mode was fixed).
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { ADMIN, testApp } from '../support/app.js'
import { endlessUpload, startServer, until } from '../support/server-process.js'

t.test('a client that aborts its upload is logged as such, not as an unhandled error', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '1' } })
  t.teardown(h.close)
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 })
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'ds', bits: 256, epsilonBudget: 1 } })
  const rows = () => (h.db.prepare('SELECT COUNT(*) AS c FROM records').get() as { c: number }).c
  const upload = endlessUpload({ url, adminToken: ADMIN }, '/v1/datasets/ds/records', { 'content-type': 'application/octet-stream', 'record-bits': '256' }, () => randomBytes(32 * 1024))
  await until(() => rows() > 10_000, 60_000, 'pending rows')
  upload.stop()
  await until(() => rows() === 0, 60_000, 'the aborted upload\'s rows to be removed')
  await until(() => h.logLines.some((l) => l.includes('closed the connection')), 10_000, 'the abort to be logged')
  const errors = h.logLines.filter((l) => /"level":50/.test(l))
  t.same(errors, [], 'nothing at error level')
  t.notOk(h.logLines.some((l) => l.includes('unhandled error')), 'no "unhandled error"')
  t.ok(h.logLines.some((l) => /"level":30.*closed the connection before its request was read/.test(l)), 'an info line says the client closed the connection')
  t.equal((h.db.prepare('SELECT COUNT(*) AS c FROM uploads').get() as { c: number }).c, 0, 'and the dataset is free for the next upload')
})

const root = process.getuid?.() === 0
const NOBODY = { uid: 65534, gid: 65534 }

t.test('a start on a read-only database file leaves nothing behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-ro-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dbPath = join(dir, 'dpdist.db')
  openDatabase(dbPath).close()
  rmSync(`${dbPath}-instances`, { recursive: true, force: true })
  // as root, permissions do not apply: run the server as another user, who owns the folder
  if (root) chownSync(dir, NOBODY.uid, NOBODY.gid)
  if (root) chownSync(dbPath, NOBODY.uid, NOBODY.gid)
  chmodSync(dbPath, 0o444)
  const env = { PATH: process.env.PATH, HOME: tmpdir(), DPDIST_DB: dbPath, DPDIST_ADMIN_TOKEN: ADMIN, PORT: '0' }
  const failed = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/server.ts'], { cwd: join(import.meta.dirname, '..', '..'), env, stdio: ['ignore', 'ignore', 'pipe'], ...(root ? NOBODY : {}) })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stderr }))
  })
  t.equal(failed.code, 1, 'the start fails')
  t.match(failed.stderr, /not writable by this process/, `and says why (${failed.stderr.split('\n')[0]})`)
  t.notOk(existsSync(`${dbPath}-shm`), 'no -shm is left behind')
  t.notOk(existsSync(`${dbPath}-wal`), 'no -wal is left behind')

  chmodSync(dbPath, 0o644)
  const s = await startServer({ dbPath, ...(root ? { user: NOBODY } : {}) })
  t.teardown(() => s.kill('SIGKILL'))
  const health = await fetch(`${s.url}/health`)
  t.equal(health.status, 200, 'once the mode is fixed the next start succeeds')
})
