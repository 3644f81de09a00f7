/**
 * A database that vanishes under a running server fails closed. SQLite keeps committing into an
 * unlinked file, so without a check every charged answer would be released while its debit goes
 * into a file no restart opens. Here a real server has its `-wal` deleted, then (in a second run)
 * its whole database: every charged query after that is a 503 problem, /health reports not ready,
 * the error is logged, and after a restart no answer was released without its ledger row.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, renameSync, rmSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { api, must, startServer, type ServerProcess } from '../support/server-process.js'

const N = 256
const QUERY = { metric: 'hamming', mechanism: 'geometric', epsilon: '0.01', query: '1'.repeat(N), top: 3 }

async function setUp(t: Test): Promise<{ dir: string; dbPath: string; start: () => Promise<ServerProcess> }> {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-vanish-'))
  const dbPath = join(dir, 'dpdist.db')
  const children: ServerProcess[] = []
  t.teardown(async () => {
    for (const c of children) await c.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const start = async () => {
    const s = await startServer({ dbPath, env: { DPDIST_WORKERS: '1' } })
    children.push(s)
    return s
  }
  // the dataset, committed to the main file by a clean shutdown (its last close checkpoints the WAL)
  const s = await start()
  await must(s, 'POST', '/v1/datasets', { json: { name: 'geo', bits: N, epsilonBudget: 100, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/geo/records', { body: randomBytes(500 * 32), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)
  await s.kill('SIGTERM')
  return { dir, dbPath, start }
}

/** 30 charged queries: how many were answered, and the statuses of the rest. */
async function charge(s: ServerProcess): Promise<{ answered: number; statuses: number[]; problems: string[] }> {
  let answered = 0
  const statuses: number[] = []
  const problems: string[] = []
  for (let i = 0; i < 30; i++) {
    const res = await api(s, 'POST', '/v1/datasets/geo/query', { json: QUERY })
    statuses.push(res.status)
    if (res.status === 200) answered++
    else problems.push(res.json<{ type: string }>().type)
  }
  return { answered, statuses, problems }
}

function ledgerRows(dbPath: string): number {
  const db = openDatabase(dbPath, { readonly: true })
  try {
    return (db.prepare("SELECT COUNT(*) AS c FROM ledger WHERE kind = 'query'").get() as { c: number }).c
  } finally {
    db.close()
  }
}

for (const what of ['wal', 'database'] as const) {
  t.test(`deleting the ${what === 'wal' ? '-wal file' : 'whole database'} under a running server`, async (t) => {
    const { dir, dbPath, start } = await setUp(t)
    const s = await start()
    const before = await api(s, 'POST', '/v1/datasets/geo/query', { json: QUERY })
    t.equal(before.status, 200, 'a charged query is answered while the files are intact')
    // keep a copy of the intact database (what the operator restores), then pull the files away
    const saved = join(dir, 'saved.db')
    if (what === 'database') copyFileSync(dbPath, saved)
    t.ok(existsSync(`${dbPath}-wal`), 'the server has a WAL file open')
    rmSync(`${dbPath}-wal`)
    if (what === 'database') {
      rmSync(dbPath)
      rmSync(`${dbPath}-shm`, { force: true })
    }

    const after = await charge(s)
    t.equal(after.answered, 0, `no charged answer is released once the ${what} is gone (statuses ${[...new Set(after.statuses)].join(', ')})`)
    t.same([...new Set(after.statuses)], [503], 'each is a 503')
    t.same([...new Set(after.problems)], ['/problems/service-unavailable'], 'with the service-unavailable problem type')
    const health = await api(s, 'GET', '/health', { token: null })
    t.equal(health.status, 503, '/health reports not ready')
    t.match(health.json(), { type: '/problems/service-unavailable' })
    t.ok(health.headers.get('retry-after'), 'with Retry-After')
    t.match(s.stdout(), /"level":50[^\n]*charge refused/, 'the refusal is logged as an error')
    const free = await api(s, 'GET', '/v1/datasets/geo', {})
    t.equal(free.status, 200, 'reads still answer')

    await s.kill('SIGKILL')
    if (what === 'database') renameSync(saved, dbPath)
    rmSync(`${dbPath}-shm`, { force: true })
    const rows = ledgerRows(dbPath)
    t.ok(rows <= 1, `after the restart the database holds ${rows} query debits: none for the 30 refused queries`)
    const again = await start()
    const budget = await must<{ spent: number; ledger: unknown[] }>(again, 'GET', '/v1/datasets/geo/budget', {}, 200)
    t.equal(budget.ledger.length, rows, 'the restarted server sees the same ledger')
    t.ok(budget.spent <= 0.01 + 1e-9, 'and charged nothing for refused answers')
  })
}
