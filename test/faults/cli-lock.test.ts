/**
 * A long CLI write next to a running server. `dpdist --db F dataset delete BIG` used to delete every
 * record in one transaction and hold the write lock for seconds; the server's charged queries then
 * waited for it inside SQLite's busy handler, on the event loop (/health froze with them), and a
 * query that waited too long failed with a 500 "database is locked". Now the delete runs in short
 * transactions and the server waits for a lock asynchronously: /health keeps answering, and a
 * charged query is either answered (with its ledger row) or refused with 503 + Retry-After.
 *
 * Scaled down from the 3.6 M records of the report to 1 M (one transaction over them took about
 * 5 s here, unloaded), so the test fits a shared machine; the bound on /health is generous (3 s).
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { DatasetRepository } from '../../db/datasets.js'
import { dpdist, ensureBuilt } from '../cli/cli-harness.js'
import { api, sleep, startServer } from '../support/server-process.js'

const BIG = 1_000_000
const N = 64

function seed(dbPath: string): void {
  const db = openDatabase(dbPath)
  const repo = new DatasetRepository(db)
  const now = new Date().toISOString()
  const big = repo.create({ name: 'big', bits: N, unitBits: 1, budgetMicro: 1, retainRaw: true, metrics: ['hamming'] }, now)!
  const geo = repo.create({ name: 'geo', bits: N, unitBits: 1, budgetMicro: 1_000_000_000, retainRaw: true, metrics: ['hamming'] }, now)!
  for (const [d, count] of [[big, BIG], [geo, 2000]] as const) {
    repo.beginUpload(d.id)
    const bytes = randomBytes(count * 8)
    const insert = db.prepare('INSERT INTO records (dataset_id, ordinal, id, bits) VALUES (?, ?, ?, ?)')
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(d.id, i, String(i), bytes.subarray(i * 8, i * 8 + 8))
    })()
    repo.commitPending(d.id, 0, count)
  }
  db.close()
}

t.test('a CLI delete of a big dataset while the server answers charged queries', async (t) => {
  ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-clilock-'))
  const dbPath = join(dir, 'dpdist.db')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  seed(dbPath)
  const s = await startServer({ dbPath, env: { DPDIST_WORKERS: '1' } })
  t.teardown(() => s.kill('SIGKILL'))

  let running = true
  const cli = dpdist(['--db', dbPath, 'dataset', 'delete', 'big']).finally(() => {
    running = false
  })
  let healthMax = 0
  let healthChecks = 0
  const health = (async () => {
    while (running) {
      const t0 = performance.now()
      const res = await api(s, 'GET', '/health', { token: null })
      healthMax = Math.max(healthMax, performance.now() - t0)
      healthChecks++
      if (res.status !== 200) throw new Error(`/health answered ${res.status}`)
      await sleep(50)
    }
  })()
  const statuses: number[] = []
  let answered = 0
  let withoutRetryAfter = 0
  const charges = (async () => {
    while (running) {
      const res = await api(s, 'POST', '/v1/datasets/geo/query', { json: { metric: 'hamming', mechanism: 'geometric', epsilon: '0.001', query: '1'.repeat(N), top: 1 } })
      statuses.push(res.status)
      if (res.status === 200) answered++
      if (res.status === 503 && !res.headers.get('retry-after')) withoutRetryAfter++
    }
  })()
  const result = await cli
  await Promise.all([health, charges])

  t.equal(result.code, 0, `the CLI delete succeeded (${result.stderr.trim()})`)
  t.ok(healthChecks >= 3, `/health was checked during the delete (${healthChecks} times)`)
  t.ok(healthMax < 3000, `/health never waited for the CLI's lock: slowest answer ${Math.round(healthMax)} ms`)
  t.notOk(statuses.includes(500), `no 500 (statuses: ${[...new Set(statuses)].join(', ')})`)
  t.ok(statuses.every((c) => c === 200 || c === 503), 'each charged query was answered or refused with 503')
  t.equal(withoutRetryAfter, 0, 'every 503 carries Retry-After')
  t.ok(answered > 0, `charged queries were answered during the delete (${answered} of ${statuses.length})`)

  const db = openDatabase(dbPath, { readonly: true })
  t.teardown(() => db.close())
  const ledger = (db.prepare("SELECT COUNT(*) AS c FROM ledger WHERE kind = 'query'").get() as { c: number }).c
  t.equal(ledger, answered, 'every answer has its ledger row, and no refused query was charged')
  t.equal((db.prepare("SELECT COUNT(*) AS c FROM datasets WHERE name = 'big' OR name LIKE '~deleted/%'").get() as { c: number }).c, 0, 'the dataset is gone')
  t.equal((db.prepare('SELECT COUNT(*) AS c FROM records').get() as { c: number }).c, 2000, 'and all its records; the other dataset is intact')
})
