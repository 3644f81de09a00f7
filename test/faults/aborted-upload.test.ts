/**
 * An aborted upload is cleaned up without stalling the server, and its space goes back to the file
 * system. Its rows used to be deleted in one transaction on the event loop (about 30 s for 1 GB,
 * with /health stalled) and the file kept its size. A real server process takes ~300 MB of an
 * upload that the client then aborts; /health is watched during the cleanup, the file must shrink
 * back, and the log says how much was given back. Then, in the app: a cleanup that cannot run (the
 * lock is held elsewhere) is retried, the next upload is told to retry (503, never 409 "upload in
 * progress"), and once the lock is free the dataset takes the upload.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { openDatabase } from '../../db/database.js'
import { testApp } from '../support/app.js'
import { endlessUpload, must, sleep, startServer, until, watchHealth } from '../support/server-process.js'

const N = 8192
const RECORD = N / 8

function fileBytes(dbPath: string): number {
  const size = (p: string) => {
    try {
      return statSync(p).size
    } catch {
      return 0
    }
  }
  return size(dbPath) + size(`${dbPath}-wal`)
}

const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`

t.test('an aborted 300 MB upload: cleanup off the event loop, space given back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-abort-'))
  const dbPath = join(dir, 'dpdist.db')
  const s = await startServer({ dbPath, env: { DPDIST_WORKERS: '1', LOG_LEVEL: 'info' } })
  t.teardown(async () => {
    await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  await must(s, 'POST', '/v1/datasets', { json: { name: 'ds', bits: N, epsilonBudget: 1, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/ds/records', { body: randomBytes(1000 * RECORD), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)
  const before = fileBytes(dbPath)

  const upload = endlessUpload(s, '/v1/datasets/ds/records', { 'content-type': 'application/octet-stream', 'record-bits': String(N) }, () => randomBytes(64 * RECORD))
  await until(() => fileBytes(dbPath) - before > 300 * 2 ** 20, 300_000, '300 MB of pending records')
  const full = fileBytes(dbPath)
  const watch = watchHealth(s)
  upload.stop()
  const reader = openDatabase(dbPath, { readonly: true })
  t.teardown(() => reader.close())
  const t0 = performance.now()
  await until(() => (reader.prepare('SELECT COUNT(*) AS c FROM uploads').get() as { c: number }).c === 0, 300_000, 'the cleanup')
  await until(() => /space given back/.test(s.stdout()), 120_000, 'the vacuum')
  const cleanupMs = performance.now() - t0
  const health = await watch.stop()
  const after = fileBytes(dbPath)

  t.equal((reader.prepare('SELECT COUNT(*) AS c FROM records').get() as { c: number }).c, 1000, 'only the committed records are left')
  t.equal(health.failures, 0, '/health answered 200 during the cleanup')
  t.ok(health.max < 3000, `slowest /health during the ${Math.round(cleanupMs)} ms cleanup: ${Math.round(health.max)} ms`)
  t.ok(after < before + 32 * 2 ** 20, `the file shrank back: ${mb(before)} before, ${mb(full)} with the upload, ${mb(after)} after`)
  const line = s.stdout().split('\n').find((l) => l.includes('space given back'))!
  const freed = (JSON.parse(line) as { freedBytes: number }).freedBytes
  t.ok(freed > 250 * 2 ** 20, `the log says ${mb(freed)} were given back`)
  t.notMatch(s.stdout(), /"level":50/, 'nothing was logged at error level')
})

t.test('a cleanup that cannot get the lock is retried; the dataset is never left locked', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '1', DPDIST_LOCK_WAIT_MS: '500' } })
  t.teardown(h.close)
  await h.request({ method: 'POST', url: '/v1/datasets', payload: { name: 'ds', bits: 64, epsilonBudget: 1 } })
  const pending = () => (h.db.prepare('SELECT COUNT(*) AS c FROM records').get() as { c: number }).c
  const blocker = openDatabase(h.config.dbPath, { secondary: true, busyTimeoutMs: 0 })
  t.teardown(() => blocker.close())

  // an NDJSON upload: 20 000 good lines, then (once they are stored) a bad one
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const body = Readable.from(
    (async function* () {
      for (let i = 0; i < 20_000; i++) yield `{"id":"r${i}","bits":"${'01'.repeat(32)}"}\n`
      await held
      yield '{oops}\n'
    })(),
  )
  const failing = h.request({ method: 'POST', url: '/v1/datasets/ds/records', headers: { 'content-type': 'application/x-ndjson' }, payload: body })
  await until(() => pending() >= 16_384, 60_000, 'pending rows')
  blocker.exec('BEGIN IMMEDIATE') // another connection holds the write lock
  release()
  const refused = await failing
  t.equal(refused.statusCode, 400, 'the upload fails on its bad line')
  t.ok(pending() >= 16_384, 'its rows cannot be removed while the lock is held elsewhere')

  const meanwhile = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'x', bits: '01'.repeat(32) }] } })
  t.equal(meanwhile.statusCode, 503, `the next upload is asked to retry (${meanwhile.json().detail})`)
  t.ok(meanwhile.headers['retry-after'], 'with Retry-After')
  await until(() => h.logLines.some((l) => l.includes('cleanup failed; it will be retried')), 60_000, 'a failed cleanup attempt')
  t.pass('the failed cleanup is logged, to be retried')

  blocker.exec('ROLLBACK')
  let next = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'x', bits: '01'.repeat(32) }] } })
  const deadline = Date.now() + 60_000
  while (next.statusCode === 503 && Date.now() < deadline) {
    await sleep(500)
    next = await h.request({ method: 'POST', url: '/v1/datasets/ds/records', payload: { records: [{ id: 'x', bits: '01'.repeat(32) }] } })
  }
  t.equal(next.statusCode, 201, 'once the lock is free the dataset takes the upload, without a restart')
  t.equal(pending(), 1, 'and the failed upload left nothing')
})
