/**
 * Deleted raw bits leave every file. Marker records (random 256-bit strings) are loaded into a real
 * server child; the dataset is then sealed (its first sketch, retainRaw false), deleted, or an upload
 * of markers is aborted or cut off by SIGKILL. The server is SIGKILLed right after (nothing runs at
 * exit), and the database file, its -wal and its -shm are scanned for any piece of a marker in
 * every encoding (test/support/remnants.ts). A crash between such a transaction and its checkpoint
 * is played by a child that seals with plain SQLite and kills itself: opening the database (as the
 * next process does) empties the log. And while a reader holds the log, the server keeps answering
 * and empties the log once the reader is gone.
 */
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { MarkerScanner, totalHits, type Hits } from '../support/remnants.js'
import { api, must, startServer, type ServerProcess, type SketchView } from '../support/server-process.js'

const N = 256
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const markers = (m: number) => Array.from({ length: m }, () => randomBytes(N / 8))
const packed = (records: Uint8Array[]) => Buffer.concat(records)
const octet = { 'content-type': 'application/octet-stream', 'record-bits': String(N) }

async function until(probe: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** No piece of any marker in the database file, its -wal or its -shm. */
function clean(t: Test, found: Record<string, Hits>, what: string): void {
  t.ok('db' in found, 'the database file was scanned')
  t.equal(totalHits(found), 0, `${what}: ${JSON.stringify(found)}`)
}

/** A fresh directory and a server on a database file in it; both gone at teardown. */
async function fresh(t: Test, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-remnants-'))
  const dbPath = join(dir, 'dpdist.db')
  const servers: ServerProcess[] = []
  const start = async () => {
    const s = await startServer({ dbPath, env })
    servers.push(s)
    return s
  }
  t.teardown(async () => {
    for (const s of servers) await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  return { dbPath, start }
}

t.test('sealing: the first sketch deletes the raw bits, and no file keeps them', async (t) => {
  const { dbPath, start } = await fresh(t)
  const s = await start()
  const records = markers(3000)
  const scanner = new MarkerScanner(records)
  await must(s, 'POST', '/v1/datasets', { json: { name: 'sealed', bits: N, epsilonBudget: 10 } }, 201)
  await must(s, 'POST', '/v1/datasets/sealed/records', { body: packed(records), headers: octet }, 201)
  t.ok(totalHits(scanner.scanDatabase(dbPath)) > 0, 'control: the loaded markers are found in the files')
  const job = await must<SketchView>(s, 'POST', '/v1/datasets/sealed/sketches', { json: { metric: 'hamming', epsilon: 1, k: 16 } }, 202)
  await until(async () => (await must<SketchView>(s, 'GET', `/v1/datasets/sealed/sketches/${job.id}`, {}, 200)).status === 'ready', 60_000, 'the sketch')
  t.equal((await must<{ rawDeleted: boolean }>(s, 'GET', '/v1/datasets/sealed', {}, 200)).rawDeleted, true, 'the dataset is sealed')
  t.equal((await s.kill('SIGKILL')).signal, 'SIGKILL', 'killed right after')
  clean(t, scanner.scanDatabase(dbPath), 'no piece of a marker in the database, -wal or -shm')
})

t.test('deletion: a deleted dataset leaves no bits behind', async (t) => {
  const { dbPath, start } = await fresh(t)
  const s = await start()
  const records = markers(3000)
  const scanner = new MarkerScanner(records)
  await must(s, 'POST', '/v1/datasets', { json: { name: 'gone', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/gone/records', { body: packed(records), headers: octet }, 201)
  await must(s, 'POST', '/v1/datasets/gone/query', { json: { metric: 'hamming', mechanism: 'geometric', epsilon: 1, query: '0'.repeat(N), top: 1 } }, 200)
  t.ok(totalHits(scanner.scanDatabase(dbPath)) > 0, 'control: the markers are in the files before the deletion')
  t.equal((await api(s, 'DELETE', '/v1/datasets/gone')).status, 204)
  await s.kill('SIGKILL')
  clean(t, scanner.scanDatabase(dbPath), 'no piece of a marker anywhere')
})

t.test('an upload refused midway leaves no bits behind', async (t) => {
  const { dbPath, start } = await fresh(t)
  const s = await start()
  const records = markers(6000)
  const scanner = new MarkerScanner(records)
  await must(s, 'POST', '/v1/datasets', { json: { name: 'half', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  // 6000 good lines (the first 4096 are written as pending rows), then one that is not
  const lines = records.map((r, i) => JSON.stringify({ id: `m${i}`, bits: Buffer.from(r).toString('hex') }))
  const body = `${lines.join('\n')}\n{"id":"bad","bits":"zz"}\n`
  const res = await api(s, 'POST', '/v1/datasets/half/records?encoding=hex', { body, headers: { 'content-type': 'application/x-ndjson' } })
  t.equal(res.status, 400, 'the upload is refused')
  t.equal((await must<{ records: number }>(s, 'GET', '/v1/datasets/half', {}, 200)).records, 0, 'and nothing is kept')
  await s.kill('SIGKILL')
  clean(t, scanner.scanDatabase(dbPath), 'no piece of a marker anywhere')
})

t.test('SIGKILL in the middle of an upload: the next start removes the rows and their bits', async (t) => {
  const { dbPath, start } = await fresh(t)
  let s = await start()
  const pool = markers(2048)
  const scanner = new MarkerScanner(pool)
  await must(s, 'POST', '/v1/datasets', { json: { name: 'cut', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  const req = request(`${s.url}/v1/datasets/cut/records`, { method: 'POST', headers: { authorization: `Bearer ${s.adminToken}`, 'transfer-encoding': 'chunked', ...octet } })
  req.on('error', () => {})
  let stopped = false
  const pump = () => {
    while (!stopped && !req.destroyed) if (!req.write(packed(pool))) return void req.once('drain', pump)
  }
  pump()
  const pending = () => {
    const reader = new Database(dbPath, { readonly: true })
    try {
      return (reader.prepare('SELECT COUNT(*) AS c FROM records').get() as { c: number }).c
    } finally {
      reader.close()
    }
  }
  await until(() => pending() >= 3 * 4096, 30_000, 'pending rows on disk')
  await s.kill('SIGKILL')
  stopped = true
  req.destroy()
  t.ok(totalHits(scanner.scanDatabase(dbPath)) > 0, 'control: the killed upload left markers in the files')
  s = await start()
  t.equal((await must<{ records: number }>(s, 'GET', '/v1/datasets/cut', {}, 200)).records, 0, 'the restarted server shows no partial load')
  await s.kill('SIGKILL')
  clean(t, scanner.scanDatabase(dbPath), 'start-up recovery removed the rows, and the log holds no copy')
})

t.test('a crash between sealing and its checkpoint: the next open empties the log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-remnants-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dbPath = join(dir, 'dpdist.db')
  const records = markers(3000)
  const scanner = new MarkerScanner(records)
  const setup = openDatabase(dbPath)
  setup.prepare("INSERT INTO datasets (id, name, bits, unit_bits, budget_micro, retain_raw, metrics, created_at) VALUES (1, 'w', ?, 1, 1, 0, '[\"hamming\"]', '')").run(N)
  setup.close()
  // a child loads the markers and seals them with plain SQLite (as a sealing transaction would),
  // then dies before anything else can run
  const script = `
    const Database = require('better-sqlite3')
    const db = new Database(${JSON.stringify(dbPath)})
    db.pragma('secure_delete = ON')
    const bits = require('node:fs').readFileSync(${JSON.stringify(join(dir, 'markers.bin'))})
    const insert = db.prepare('INSERT INTO records (dataset_id, ordinal, id, bits) VALUES (1, ?, ?, ?)')
    db.transaction(() => { for (let i = 0; i < ${records.length}; i++) insert.run(i, 'r' + i, bits.subarray(i * 32, i * 32 + 32)) })()
    db.prepare('UPDATE datasets SET record_count = ${records.length} WHERE id = 1').run()
    db.transaction(() => {
      db.prepare('UPDATE records SET bits = NULL WHERE dataset_id = 1').run()
      db.prepare('UPDATE datasets SET raw_deleted = 1 WHERE id = 1').run()
    })()
    process.kill(process.pid, 'SIGKILL')
  `
  writeFileSync(join(dir, 'markers.bin'), packed(records))
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: 'ignore' })
  const exit = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  t.equal(exit, 'SIGKILL', 'the child died right after sealing')
  t.ok((scanner.scanDatabase(dbPath)['-wal'] ?? {}).packed, 'control: its -wal file holds the sealed bits')
  const next = openDatabase(dbPath)
  t.teardown(() => next.close())
  t.equal((next.prepare('SELECT COUNT(*) AS c FROM records WHERE bits IS NULL').get() as { c: number }).c, records.length, 'the seal is durable')
  clean(t, scanner.scanDatabase(dbPath), 'opening the database (as the next process does) emptied the log')
})

t.test('a reader holding the log delays the scrub but no request, and the log is emptied after it', async (t) => {
  const { dbPath, start } = await fresh(t)
  const s = await start()
  const records = markers(3000)
  const scanner = new MarkerScanner(records)
  await must(s, 'POST', '/v1/datasets', { json: { name: 'held', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/held/records', { body: packed(records), headers: octet }, 201)
  await must(s, 'POST', '/v1/datasets', { json: { name: 'other', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  // another process's long read: a snapshot taken before the deletion
  const reader = new Database(dbPath, { readonly: true })
  reader.exec('BEGIN')
  reader.prepare('SELECT COUNT(*) FROM records').get()
  t.equal((await api(s, 'DELETE', '/v1/datasets/held')).status, 204, 'the deletion is answered while the reader holds its snapshot')
  t.equal((await api(s, 'GET', '/v1/datasets/other')).status, 200, 'and so are other requests')
  t.ok(totalHits(scanner.scanDatabase(dbPath)) > 0, 'the log still holds the bits: the reader may still read them')
  reader.exec('COMMIT')
  reader.close()
  await until(() => totalHits(scanner.scanDatabase(dbPath)) === 0, 30_000, 'the server to empty the log once the reader is gone')
  t.pass('the server emptied the log on its own once the reader was gone')
  await s.kill('SIGKILL')
  clean(t, scanner.scanDatabase(dbPath), 'no piece of a marker anywhere')
})
