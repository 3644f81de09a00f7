/**
 * Nothing heavy runs on the event loop. A real server process is watched through /health (polled
 * every 50 ms) while it calibrates an lcp-tree sketch at n = 65 536 with a small ε (a simulation of
 * tens of seconds, which used to run on the main thread: /health timed out), and a free sketch query
 * is timed while a batch of geometric edit-distance queries keeps the scan workers busy (it used to
 * wait behind the whole batch). The bounds are generous (seconds, where the old code took tens of
 * seconds); the strict latency figures are in bench/faults.ts.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, must, sleep, startServer, until, watchHealth, type ServerProcess } from '../support/server-process.js'

async function server(t: Test): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-loop-'))
  const s = await startServer({ dbPath: join(dir, 'dpdist.db'), env: { DPDIST_WORKERS: '2' } })
  t.teardown(async () => {
    await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  return s
}

function packed(count: number, n: number) {
  return { body: randomBytes((count * n) / 8), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(n) } }
}

t.test('an lcp-tree calibration at n = 65 536 does not stall /health', async (t) => {
  const s = await server(t)
  const n = 65_536
  await must(s, 'POST', '/v1/datasets', { json: { name: 'long', bits: n, epsilonBudget: 10, retainRaw: true, metrics: ['edit'] } }, 201)
  await must(s, 'POST', '/v1/datasets/long/records', packed(3, n), 201)
  const watch = watchHealth(s)
  const t0 = performance.now()
  const job = await must<{ id: string }>(s, 'POST', '/v1/datasets/long/sketches', { json: { metric: 'edit', mechanism: 'lcp-tree', epsilon: 0.01, k: 4 } }, 202)
  let status = 'queued'
  await until(
    async () => {
      status = (await must<{ status: string }>(s, 'GET', `/v1/datasets/long/sketches/${job.id}`, {}, 200)).status
      return status === 'ready' || status === 'failed'
    },
    300_000,
    'the lcp-tree build',
  )
  const seconds = (performance.now() - t0) / 1000
  const health = await watch.stop()
  t.equal(status, 'ready', `the sketch was built and calibrated (${seconds.toFixed(1)} s)`)
  t.equal(health.failures, 0, '/health answered 200 throughout')
  t.ok(health.max < 3000, `slowest /health during the calibration: ${Math.round(health.max)} ms (${health.latencies.length} checks)`)
})

t.test('a geometric edit batch does not hold up free sketch queries', async (t) => {
  const s = await server(t)
  const n = 4096
  const m = 40_000
  await must(s, 'POST', '/v1/datasets', { json: { name: 'geo', bits: n, epsilonBudget: 100, retainRaw: true, metrics: ['hamming', 'edit'] } }, 201)
  await must(s, 'POST', '/v1/datasets/geo/records', packed(m, n), 201)
  const job = await must<{ id: string }>(s, 'POST', '/v1/datasets/geo/sketches', { json: { metric: 'hamming', epsilon: 4, k: 64 } }, 202)
  await until(async () => (await must<{ status: string }>(s, 'GET', `/v1/datasets/geo/sketches/${job.id}`, {}, 200)).status === 'ready', 120_000, 'the sketch')
  const free = () => api(s, 'POST', '/v1/datasets/geo/query', { json: { metric: 'hamming', query: '0'.repeat(n), top: 5 } })
  t.equal((await free()).status, 200, 'a free query, before the batch')

  const queries = Array.from({ length: 8 }, () => randomBytes(n / 8).toString('hex'))
  const watch = watchHealth(s)
  const t0 = performance.now()
  const batch = api(s, 'POST', '/v1/datasets/geo/query:batch', { json: { metric: 'edit', mechanism: 'geometric', epsilon: 0.01, k: 128, encoding: 'hex', queries, top: 3 } })
  await sleep(500)
  const q0 = performance.now()
  const during = await free()
  const freeMs = performance.now() - q0
  const answered = await batch
  const batchMs = performance.now() - t0
  const health = await watch.stop()
  t.equal(answered.status, 200, `the batch was answered (${Math.round(batchMs)} ms)`)
  t.equal(during.status, 200, 'the free query during the batch was answered')
  t.ok(freeMs < 5000, `the free query took ${Math.round(freeMs)} ms while the batch ran for ${Math.round(batchMs)} ms`)
  t.equal(health.failures, 0, '/health answered 200 throughout')
  t.ok(health.max < 3000, `slowest /health during the batch: ${Math.round(health.max)} ms`)
})
