/**
 * Crash safety through real processes: a server child is SIGKILLed in the middle of a streamed bulk
 * load (NDJSON, then packed), in the middle of a sketch build (in its worker thread), and in the
 * middle of a burst of charged geometric queries; then it is restarted on the same database (start-up
 * recovery: db/database.ts recoverInterruptedWork, and the janitor, core/janitor.ts) or the database is
 * opened directly. Checked:
 * integrity_check; no partial load is visible (the record count is unchanged and no row lies beyond
 * it); an interrupted build is marked failed, its ε stays spent, and it sealed nothing; every
 * released answer has its ledger row and the ledger sums to spent.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../db/database.js'
import { api, endlessUpload, must, startServer, until, type ServerProcess, type SketchView } from '../support/server-process.js'

function pendingRows(db: Db, dataset: string): { committed: number; pending: number; total: number } {
  return db
    .prepare(
      `SELECT d.record_count AS committed,
              (SELECT COUNT(*) FROM records r WHERE r.dataset_id = d.id AND r.ordinal >= d.record_count) AS pending,
              (SELECT COUNT(*) FROM records r WHERE r.dataset_id = d.id) AS total
       FROM datasets d WHERE d.name = ?`,
    )
    .get(dataset) as { committed: number; pending: number; total: number }
}

t.test('SIGKILL during loads, a build and charged queries; restart and check', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-crash-'))
  const dbPath = join(dir, 'dpdist.db')
  const children: ServerProcess[] = []
  t.teardown(async () => {
    for (const c of children) await c.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const start = async () => {
    const s = await startServer({ dbPath })
    children.push(s)
    return s
  }

  // ---- bulk loads -------------------------------------------------------------------------------
  const N = 256
  let s = await start()
  await must(s, 'POST', '/v1/datasets', { json: { name: 'bulk', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/bulk/records', { body: randomBytes(1000 * 32), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)

  const kinds: { name: string; type: string; query: string; headers: Record<string, string>; chunk: () => Buffer }[] = [
    {
      name: 'NDJSON',
      type: 'application/x-ndjson',
      query: '?encoding=hex',
      headers: {},
      chunk: (() => {
        let i = 0
        return () => {
          const hex = randomBytes(32 * 512).toString('hex')
          return Buffer.from(Array.from({ length: 512 }, (_, j) => `{"id":"s${i++}","bits":"${hex.slice(64 * j, 64 * j + 64)}"}\n`).join(''))
        }
      })(),
    },
    { name: 'packed', type: 'application/octet-stream', query: '', headers: { 'record-bits': String(N) }, chunk: () => randomBytes(32 * 1024) },
  ]
  for (const kind of kinds) {
    const reader = openDatabase(dbPath, { readonly: true })
    const upload = endlessUpload(s, `/v1/datasets/bulk/records${kind.query}`, { 'content-type': kind.type, ...kind.headers }, kind.chunk)
    // kill once several batches of this upload are on disk as pending rows
    await until(() => pendingRows(reader, 'bulk').pending >= 8192, 20_000, `${kind.name} pending rows`)
    const exit = await s.kill('SIGKILL')
    upload.stop()
    t.equal(exit.signal, 'SIGKILL', `${kind.name}: the server was killed mid-upload`)
    const crashed = pendingRows(reader, 'bulk')
    reader.close()
    t.ok(crashed.pending >= 8192, `${kind.name}: the crash left ${crashed.pending} uncommitted rows on disk`)
    t.equal(crashed.committed, 1000, `${kind.name}: none of them is committed`)

    s = await start()
    const shown = await must<{ records: number }>(s, 'GET', '/v1/datasets/bulk', {}, 200)
    t.equal(shown.records, 1000, `${kind.name}: after restart the dataset shows the old count`)
    const check = openDatabase(dbPath, { readonly: true })
    // the janitor removes the dead upload's rows in the background, from the start on
    await until(() => pendingRows(check, 'bulk').pending === 0, 60_000, `${kind.name}: the partial load to be removed`)
    t.same(pendingRows(check, 'bulk'), { committed: 1000, pending: 0, total: 1000 }, `${kind.name}: after the restart the partial load is removed`)
    t.equal(check.pragma('integrity_check', { simple: true }), 'ok', `${kind.name}: integrity_check`)
    check.close()
  }
  const after = await must(s, 'POST', '/v1/datasets/bulk/records', { body: randomBytes(5 * 32), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)
  t.same(after, { dataset: 'bulk', loaded: 5, records: 1005 }, 'the next upload continues at the old count')

  // ---- a sketch build ---------------------------------------------------------------------------
  const M = 50_000
  const NB = 1024
  await must(s, 'POST', '/v1/datasets', { json: { name: 'build', bits: NB, epsilonBudget: 10, retainRaw: false } }, 201)
  await must(s, 'POST', '/v1/datasets/build/records', { body: randomBytes((M * NB) / 8), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(NB) } }, 201)
  const job = await must<SketchView>(s, 'POST', '/v1/datasets/build/sketches', { json: { metric: 'hamming', mechanism: 'pl07', epsilon: 3, k: 64 } }, 202)
  let seen: Pick<SketchView, 'status' | 'progress'> = { status: 'queued', progress: 0 }
  await until(
    async () => {
      seen = await must<SketchView>(s, 'GET', `/v1/datasets/build/sketches/${job.id}`, {}, 200)
      return seen.status === 'building' && seen.progress > 0
    },
    30_000,
    'the build to make progress',
  )
  await s.kill('SIGKILL')
  t.ok(seen.progress < M, `killed while building (${seen.progress} of ${M} records)`)
  const mid = openDatabase(dbPath, { readonly: true })
  const midRow = mid.prepare('SELECT status FROM sketches WHERE id = ?').get(job.id) as { status: string }
  mid.close()
  t.equal(midRow.status, 'building', 'on disk the build was still running when the process died')

  s = await start()
  const failed = await must<SketchView>(s, 'GET', `/v1/datasets/build/sketches/${job.id}`, {}, 200)
  t.equal(failed.status, 'failed', 'after restart the interrupted build is failed')
  t.match(failed.error, /interrupted/, 'and says it was interrupted')
  const budget = await must<{ spent: number; ledger: { kind: string; epsilon: number; details: { sketchId?: string } }[] }>(s, 'GET', '/v1/datasets/build/budget', {}, 200)
  t.equal(budget.spent, 3, 'its ε stays spent')
  t.same(
    budget.ledger.map((e) => [e.kind, e.epsilon, e.details.sketchId]),
    [['sketch', 3, job.id]],
    'with its ledger row',
  )
  const ds = await must<{ rawDeleted: boolean }>(s, 'GET', '/v1/datasets/build', {}, 200)
  t.equal(ds.rawDeleted, false, 'the interrupted build sealed nothing: the raw bits are still there')
  const q = await api(s, 'POST', '/v1/datasets/build/query', { json: { metric: 'hamming', query: '0'.repeat(NB) } })
  t.equal(q.status, 409, 'there is no ready sketch to query')
  const chunks = openDatabase(dbPath, { readonly: true })
  t.equal((chunks.prepare('SELECT COUNT(*) AS c FROM sketch_chunks WHERE sketch_id = ?').get(job.id) as { c: number }).c, 0, 'no partial sketch data')
  t.equal(chunks.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check after the interrupted build')
  chunks.close()

  // ---- a burst of charged geometric queries -----------------------------------------------------
  await must(s, 'POST', '/v1/datasets', { json: { name: 'geo', bits: N, epsilonBudget: 1000, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/geo/records', { body: randomBytes(3000 * 32), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)
  let released = 0
  let killed = false
  const CONCURRENCY = 6
  const loops = Array.from({ length: CONCURRENCY }, async () => {
    while (!killed) {
      try {
        const res = await api(s, 'POST', '/v1/datasets/geo/query', { json: { metric: 'hamming', mechanism: 'geometric', epsilon: '0.001', query: '1'.repeat(N), top: 3 } })
        if (res.status === 200 && res.json<{ results: unknown[] }>().results.length === 3) released++
      } catch {
        return // the server is gone
      }
    }
  })
  await until(() => released >= 60, 20_000, 'answers')
  await s.kill('SIGKILL')
  killed = true
  await Promise.all(loops)
  const db = openDatabase(dbPath) // read-write: runs the same start-up recovery as a restart
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check')
  const geo = db
    .prepare(
      `SELECT d.spent_micro AS spent, COUNT(l.id) AS rows, COALESCE(SUM(l.epsilon_micro), 0) AS sum
       FROM datasets d LEFT JOIN ledger l ON l.dataset_id = d.id AND l.kind = 'query' WHERE d.name = 'geo' GROUP BY d.id`,
    )
    .get() as { spent: number; rows: number; sum: number }
  t.ok(geo.rows >= released, `every released answer has its ledger row (${geo.rows} rows ≥ ${released} answers received)`)
  t.ok(geo.rows <= released + CONCURRENCY, `at most the debits in flight were not answered (${geo.rows - released})`)
  t.equal(geo.sum, geo.spent, 'the ledger sums to spent')
  t.equal(geo.spent, geo.rows * 1000, 'each row is one 0.001 charge')
  const all = db.prepare(`SELECT COUNT(*) AS c FROM records r JOIN datasets d ON d.id = r.dataset_id WHERE r.ordinal >= d.record_count`).get() as { c: number }
  t.equal(all.c, 0, 'no partial load anywhere')
  t.equal((db.pragma('foreign_key_check') as unknown[]).length, 0, 'foreign keys hold')
  db.close()
})
