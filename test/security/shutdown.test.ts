/**
 * Graceful shutdown of a real server child: SIGTERM arrives while sketch queries (worker pool) and
 * a sketch build (worker thread) are in flight. Every query that reached the server is answered,
 * 200 or 503 (none is reset), answers sent while closing carry `Connection: close`; the build is
 * marked failed as interrupted, with its ε still spent; the process exits 0 within the grace delay;
 * the database closed cleanly (WAL checkpointed) and passes integrity_check on reopen.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { Agent, request, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { must, startServer, type ServerProcess, type SketchView } from '../support/server-process.js'

const GRACE_MS = 10_000 // server/server.ts closeWithGrace delay
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))


interface Outcome {
  status: number | 'error'
  headers: IncomingHttpHeaders
  body: string
  at: number
  error?: string
}

/** A POST on its own keep-alive connection (so every request is on the wire before the signal). */
function post(s: ServerProcess, agent: Agent, path: string, json: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(`${s.url}${path}`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
    })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString('utf8')))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, at: Date.now() }))
    })
    req.on('error', (err) => resolve({ status: 'error', headers: {}, body: '', at: Date.now(), error: (err as NodeJS.ErrnoException).code ?? err.message }))
    req.end(JSON.stringify(json))
  })
}

const incomingQueries = (s: ServerProcess) =>
  s
    .stdout()
    .split('\n')
    .filter((l) => l.includes('"incoming request"') && l.includes('/v1/datasets/big/query')).length

t.test('SIGTERM during in-flight queries and a build', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-shutdown-'))
  const dbPath = join(dir, 'dpdist.db')
  const s = await startServer({ dbPath, env: { DPDIST_WORKERS: '2', LOG_LEVEL: 'info' } })
  t.teardown(async () => {
    await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const N = 1024
  const M = 40_000
  await must(s, 'POST', '/v1/datasets', { json: { name: 'big', bits: N, epsilonBudget: 100, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/big/records', { body: randomBytes((M * N) / 8), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)
  // pl07 scans each record in JavaScript (tens of ms for 40 000 records), so queries are still in
  // flight when the signal comes; parity's kernels would answer all twelve before it
  const ready = await must<SketchView>(s, 'POST', '/v1/datasets/big/sketches', { json: { metric: 'hamming', mechanism: 'pl07', epsilon: 5, k: 64 } }, 202)
  for (;;) {
    const v = await must<SketchView>(s, 'GET', `/v1/datasets/big/sketches/${ready.id}`, {}, 200)
    if (v.status === 'ready') break
    if (v.status === 'failed') throw new Error(v.error ?? 'failed')
    await sleep(50)
  }
  const query = { metric: 'hamming', query: '0'.repeat(N), top: 5, sketch: ready.id }
  await must(s, 'POST', '/v1/datasets/big/query', { json: query }, 200) // starts the scan workers

  // a build in progress (the paper's cell constant 72e makes it take seconds)
  const job = await must<SketchView>(s, 'POST', '/v1/datasets/big/sketches', { json: { metric: 'hamming', mechanism: 'pl07', epsilon: 3, k: 256, options: { c: 72 * Math.E } } }, 202)
  for (;;) {
    const v = await must<SketchView>(s, 'GET', `/v1/datasets/big/sketches/${job.id}`, {}, 200)
    if (v.status === 'building' && v.progress > 0) break
    if (v.status !== 'queued' && v.status !== 'building') throw new Error(`build ended too early: ${v.status}`)
    await sleep(20)
  }

  // queries in flight: sketch scans in the pool, and two charged geometric answers
  const before = incomingQueries(s)
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity })
  const QUERIES = 12
  const outcomes = Array.from({ length: QUERIES }, (_, i) =>
    post(s, agent, '/v1/datasets/big/query', i % 6 === 0 ? { metric: 'hamming', query: query.query, top: 5, mechanism: 'geometric', epsilon: 1 } : query),
  )
  // a generous bound: on a loaded machine the requests may take long to be read
  const deadline = Date.now() + 120_000
  while (incomingQueries(s) - before < QUERIES) {
    if (Date.now() > deadline) throw new Error('the queries did not reach the server')
    await sleep(5)
  }
  const signalled = Date.now()
  s.child.kill('SIGTERM')
  // requests sent after the signal, on new connections: refused at the socket, or answered 503
  const afterSignal = await Promise.all(Array.from({ length: 3 }, () => post(s, new Agent(), '/v1/datasets/big/query', query)))
  const results = await Promise.all(outcomes)
  const exit = await s.exited
  const elapsed = Date.now() - signalled
  agent.destroy()

  t.same(results.filter((r) => r.status === 'error').map((r) => r.error), [], 'no query that reached the server was reset')
  for (const r of results) t.ok(r.status === 200 || r.status === 503, `answered ${r.status}`)
  const answered = results.filter((r) => r.status === 200)
  t.ok(answered.length > 0, `${answered.length} of ${QUERIES} queries finished`)
  for (const r of answered) t.equal(JSON.parse(r.body).results.length, 5, 'a finished query has its full answer')
  const problem503 = (r: Outcome, what: string) => {
    t.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8', `${what}: a 503 is problem+json`)
    t.match(JSON.parse(r.body).type, /^\/problems\/(service-unavailable|overloaded)$/, `${what}: ${JSON.parse(r.body).type}`)
    t.match(r.headers['retry-after'], /^\d+$/, `${what}: with Retry-After`)
  }
  for (const r of results.filter((r) => r.status === 503)) problem503(r, 'in flight')
  // (the signal is handled asynchronously: a request may still get in before closing begins)
  for (const r of afterSignal) {
    if (r.status === 'error') t.match(r.error, /^(ECONNREFUSED|ECONNRESET|EPIPE)$/, `sent after the signal: not served (${r.error})`)
    else if (r.status === 503) problem503(r, 'sent after the signal')
    else t.equal(r.status, 200, 'sent after the signal: served before closing began')
  }
  const shutdownLine = s.stdout().split('\n').find((l) => l.includes('"shutting down"'))
  const closingAt = shutdownLine ? (JSON.parse(shutdownLine) as { time: number }).time : signalled
  // (a margin for the few ticks between that log line and the closing flag)
  const late = results.filter((r) => r.at > closingAt + 50)
  t.ok(late.length > 0, `${late.length} answers were sent while the server was closing`)
  for (const r of late) t.equal(r.headers.connection, 'close', 'answers sent while closing carry Connection: close')
  t.same(exit, { code: 0, signal: null }, 'the process exits 0')
  t.ok(elapsed < GRACE_MS, `within the grace delay (${elapsed} ms < ${GRACE_MS} ms)`)
  t.match(s.stdout(), /"shutting down"/, 'it logged the shutdown')
  t.match(s.stdout(), /"countFilter":"(native [a-z0-9-]+|webassembly)"/, 'it logged which count filter its scans use')
  t.notMatch(s.stderr() + s.stdout(), /killed by timeout|unhandled error/, 'no timeout, no unhandled error')

  // the database as the shutdown left it (read-only: before any start-up recovery)
  const walBytes = existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0
  t.equal(walBytes, 0, 'the WAL was checkpointed and removed on close')
  const db = openDatabase(dbPath, { readonly: true })
  t.teardown(() => db.close())
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check on reopen')
  const build = db.prepare('SELECT status, error FROM sketches WHERE id = ?').get(job.id) as { status: string; error: string }
  t.equal(build.status, 'failed', 'the build in progress was marked failed by the shutdown itself')
  t.match(build.error, /interrupted/, 'as interrupted')
  t.equal((db.prepare('SELECT COUNT(*) AS c FROM sketch_chunks WHERE sketch_id = ?').get(job.id) as { c: number }).c, 0, 'no partial sketch data')
  const geometric = results.filter((r, i) => i % 6 === 0 && r.status === 200).length
  const ledger = db
    .prepare(`SELECT d.spent_micro AS spent, SUM(l.epsilon_micro) AS sum, SUM(l.kind = 'query') AS queries FROM datasets d JOIN ledger l ON l.dataset_id = d.id WHERE d.name = 'big'`)
    .get() as { spent: number; sum: number; queries: number }
  t.equal(ledger.sum, ledger.spent, 'the ledger sums to spent')
  t.ok(ledger.queries >= geometric, `every answered geometric query has its ledger row (${ledger.queries} ≥ ${geometric})`)
  t.equal(ledger.spent, (5 + 3 + ledger.queries) * 1_000_000, 'the interrupted build stays charged')
})
