import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { randomBits, wordsToBytes } from '../../sketch/bits.js'
import { localOperator } from '../../core/principal.js'
import { ScanPool, scanInline } from '../../scan/pool.js'
import { exactDistances } from '../../scan/engine.js'
import type { ParsedRecord } from '../../ingest/index.js'
import { WORKER_NICE } from '../../scan/workers/priority.js'
import { parity } from '../../sketch/mechanisms/parity.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { testApp } from '../support/app.js'

const N = 128
const M = 40_000

async function* syntheticRecords(seed: string, m: number): AsyncGenerator<ParsedRecord[]> {
  const rng = new SeededNoiseSource(seed)
  const base = randomBits(N, () => rng.nextUint32())
  for (let first = 0; first < m; first += 4096) {
    const batch: ParsedRecord[] = []
    for (let r = first; r < Math.min(m, first + 4096); r++) {
      const bits = base.slice()
      const d = rng.nextUint32() % 40
      for (let j = 0; j < d; j++) {
        const p = rng.nextUint32() % N
        bits[p >>> 5] ^= 1 << (31 - (p & 31))
      }
      batch.push({ id: null, bytes: wordsToBytes(bits, N) })
    }
    yield batch
  }
}

t.test('worker pool scans give exactly the single-thread results', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '2' } })
  t.teardown(h.close)
  const { datasets, sketches } = h.services
  const d = await datasets.create(localOperator, { name: 'big', bits: N, unitBits: 1, budgetMicro: 10_000_000, retainRaw: true, metrics: ['hamming', 'edit'] })
  await datasets.load(localOperator, 'big', syntheticRecords('pool', M))
  const job = await sketches.build(localOperator, datasets.get(localOperator, 'big'), { metric: 'hamming', epsilonMicro: 4_000_000, k: 32 })
  await sketches.whenDone(job.id)
  const built = sketches.get(d, job.id)
  t.equal(built.status, 'ready', `build: ${built.error ?? ''} ${h.logLines.filter((l) => l.includes('"level":50')).join(' ')}`)
  const sketch = sketches.forQuery(datasets.get(localOperator, d.name), 'hamming')
  t.equal(sketch.recordCount, M)
  const pool = new ScanPool(2)
  t.teardown(() => pool.close())
  const rng = new SeededNoiseSource('queries')
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 300 }),
      fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      async (top, maxDistance, nQueries, simultaneous) => {
        const queries = Array.from({ length: nQueries }, () => randomBits(N, () => rng.nextUint32()))
        const req = { sketch, queries, options: { confidence: 0.9, simultaneousM: simultaneous ? M : null }, top, maxDistance }
        const inline = scanInline(req)
        const pooled = await pool.scan(req)
        t.same(pooled, inline)
        return true
      },
    ),
    { numRuns: 12, seed: 7 },
  )
  // Concurrent queries: the first are split over the idle threads, later ones go whole to one thread.
  const concurrent = Array.from({ length: 8 }, (_, i) => ({
    sketch,
    queries: [randomBits(N, () => rng.nextUint32())],
    options: { confidence: 0.95, simultaneousM: null },
    top: 20 + i,
  }))
  const answers = await Promise.all(concurrent.map((req) => pool.scan(req)))
  t.ok(answers.every((a, i) => JSON.stringify(a) === JSON.stringify(scanInline(concurrent[i]))), 'eight concurrent queries: each equals its inline scan')
})

t.test('the pool is first in, first out: queued queries finish in the order they came, and a failing task fails only its query', async (t) => {
  const pool = new ScanPool(1, 1000)
  t.teardown(() => pool.close())
  const m = 40_000
  const plan = parity.plan({ n: 128, k: 8, epsilonMicro: 4_000_000, unitBits: 1, options: { cells: 128 } }, 'fifo')
  const data = new Uint32Array(new SharedArrayBuffer(m * plan.wordsPerRecord * 4))
  const rng = new SeededNoiseSource('fifo')
  for (let i = 0; i < data.length; i++) data[i] = rng.nextUint32()
  const sketch = { id: 'fifo', datasetId: 0, metric: 'hamming' as const, mechanism: 'parity' as const, plan, pTilde: 0.1, epsilonMicro: plan.epsilonMicro, calibration: {}, recordCount: m, data, memory: null, readyAt: '' }
  const req = { sketch, queries: [new Uint32Array(4)], options: { confidence: 0.95, simultaneousM: null }, top: 5 }
  const order: number[] = []
  const runs = Array.from({ length: 12 }, (_, i) => Promise.resolve(pool.scan(req)).then(() => order.push(i)))
  t.equal(pool.queueDepth(), 11, 'one task runs, eleven wait')
  await Promise.all(runs)
  t.same(order, Array.from({ length: 12 }, (_, i) => i), 'completed in submission order')
  t.equal(pool.queueDepth(), 0)

  const broken = { ...req, sketch: { ...sketch, plan: { ...plan, params: { ...plan.params, cells: 3 } } } }
  const [bad, good] = await Promise.allSettled([pool.scan(broken), pool.scan(req)])
  t.equal(bad.status, 'rejected', 'a task that throws in the worker rejects its query')
  t.match(bad.status === 'rejected' ? String(bad.reason) : '', /cells/, 'with the worker\'s reason')
  t.equal(good.status, 'fulfilled', 'the next query is answered')
  t.same(await pool.scan(req), scanInline(req), 'and the pool still gives the inline answer')
})

t.test('exact distances for the geometric mechanism: the pool gives the inline result, Hamming and edit', async (t) => {
  const pool = new ScanPool(2)
  t.teardown(() => pool.close())
  const n = 200
  const m = 9000
  const wpr = Math.ceil(n / 32)
  const rng = new SeededNoiseSource('exact')
  const data = new Uint32Array(new SharedArrayBuffer(m * wpr * 4))
  const query = randomBits(n, () => rng.nextUint32())
  for (let r = 0; r < m; r++) {
    // records near the query (0..40 substitutions), so edit distances below k occur
    const bits = query.slice()
    for (let j = r % 41; j > 0; j--) {
      const p = rng.nextUint32() % n
      bits[p >>> 5] ^= 1 << (31 - (p & 31))
    }
    data.set(bits, r * wpr)
  }
  for (const metric of ['hamming', 'edit'] as const) {
    for (const [from, to] of [[0, m], [123, 8000]]) {
      const task = { metric, data, n, k: 24, query, from, to }
      const pooled = await pool.exact(task)
      t.same(pooled, exactDistances(task), `${metric}, records [${from}, ${to})`)
    }
  }
  const plain = { metric: 'hamming' as const, data: data.slice(), n, k: 24, query, from: 0, to: m }
  t.same(await pool.exact(plain), exactDistances(plain), 'an unshared buffer is scanned inline')
})

t.test('geometric queries through the server with workers: exact distances from the pool, charged once', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '2' } })
  t.teardown(h.close)
  const { datasets } = h.services
  await datasets.create(localOperator, { name: 'geo', bits: N, unitBits: 1, budgetMicro: 10_000_000, retainRaw: true, metrics: ['hamming', 'edit'] })
  await datasets.load(localOperator, 'geo', syntheticRecords('geo', 20_000))
  const query = Buffer.from(wordsToBytes(randomBits(N, () => 7), N)).toString('hex')
  for (const metric of ['hamming', 'edit'] as const) {
    const res = await h.request({ method: 'POST', url: '/v1/datasets/geo/query', payload: { metric, query, encoding: 'hex', mechanism: 'geometric', epsilon: 1, top: 20_000, ...(metric === 'edit' ? { k: 16 } : {}) } })
    t.equal(res.statusCode, 200, `${metric}: answered`)
    const body = res.json()
    t.equal(body.results.length, 20_000, `${metric}: every record answered`)
    t.ok(body.results.every((r: { ciLow: number; estimate: number; ciHigh: number }) => r.ciLow <= r.estimate && r.estimate <= r.ciHigh), `${metric}: estimates inside their intervals`)
  }
  const budget = (await h.request({ method: 'GET', url: '/v1/datasets/geo/budget' })).json()
  t.equal(budget.spent, 2, 'two queries, ε = 1 each')
  t.equal(budget.ledger.length, 2)
})

t.test('scan workers run below the priority of the main thread (Linux), so the event loop comes first', { skip: process.platform !== 'linux' && 'per-thread nice values are a Linux feature' }, async (t) => {
  const niceOf = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16])
  const before = new Set(readdirSync('/proc/self/task'))
  const pool = new ScanPool(1)
  t.teardown(() => pool.close())
  const plan = parity.plan({ n: 128, k: 8, epsilonMicro: 4_000_000, unitBits: 1, options: { cells: 128 } }, 'nice')
  const data = new Uint32Array(new SharedArrayBuffer(20_000 * plan.wordsPerRecord * 4))
  const sketch = { id: 'nice', datasetId: 0, metric: 'hamming' as const, mechanism: 'parity' as const, plan, pTilde: 0.1, epsilonMicro: plan.epsilonMicro, calibration: {}, recordCount: 20_000, data, memory: null, readyAt: '' }
  await pool.scan({ sketch, queries: [new Uint32Array(4)], options: { confidence: 0.95, simultaneousM: null }, top: 5 })
  const fresh = readdirSync('/proc/self/task').filter((tid) => !before.has(tid))
  const niced = fresh.filter((tid) => niceOf(tid) === WORKER_NICE)
  t.ok(niced.length >= 1, `the new scan worker thread has nice ${WORKER_NICE}`)
  t.equal(niceOf(String(process.pid)), 0, 'the main thread keeps nice 0')
})

t.test('a burst far above capacity gets 503 with Retry-After, loses nothing, and the server recovers', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '2', DPDIST_SCAN_QUEUE: '4' } })
  t.teardown(h.close)
  const { datasets, sketches } = h.services
  await datasets.create(localOperator, { name: 'big', bits: N, unitBits: 1, budgetMicro: 100_000_000, retainRaw: true, metrics: ['hamming'] })
  await datasets.load(localOperator, 'big', syntheticRecords('burst', M))
  const job = await sketches.build(localOperator, datasets.get(localOperator, 'big'), { metric: 'hamming', epsilonMicro: 4_000_000, k: 32 })
  await sketches.whenDone(job.id)
  const query = Buffer.from(wordsToBytes(randomBits(N, () => 12345), N)).toString('hex')
  // warm the workers so the burst measures queueing, not thread start-up
  const warm = await h.request({ method: 'POST', url: '/v1/datasets/big/query', payload: { metric: 'hamming', query, encoding: 'hex' } })
  t.equal(warm.statusCode, 200, warm.body)
  const burst = await Promise.all(
    Array.from({ length: 120 }, (_, i) =>
      h.request({
        method: 'POST',
        url: '/v1/datasets/big/query',
        payload: i % 10 === 0 ? { metric: 'hamming', query, encoding: 'hex', mechanism: 'geometric', epsilon: '0.01' } : { metric: 'hamming', query, encoding: 'hex', top: 10 },
      }),
    ),
  )
  const codes = burst.map((r) => r.statusCode)
  const shed = burst.filter((r) => r.statusCode === 503)
  t.ok(shed.length > 0, `some requests were shed (${shed.length} of ${burst.length})`)
  t.ok(codes.every((c) => c === 200 || c === 503), `only answers and 503s: ${[...new Set(codes)]} ${burst.find((r) => r.statusCode !== 200 && r.statusCode !== 503)?.body}`)
  t.equal(shed[0].headers['retry-after'], '1')
  t.equal(shed[0].json().type, '/problems/overloaded')
  const answeredGeometric = burst.filter((r, i) => i % 10 === 0 && r.statusCode === 200).length
  const ledger = h.db.prepare("SELECT COUNT(*) AS c FROM ledger WHERE kind = 'query'").get() as { c: number }
  t.equal(ledger.c, answeredGeometric, 'every charged geometric query was answered, and every answer has its ledger row (the pool never refuses a charged query)')
  const after = await h.request({ method: 'POST', url: '/v1/datasets/big/query', payload: { metric: 'hamming', query, encoding: 'hex' } })
  t.equal(after.statusCode, 200, 'normal service after the burst')
  t.equal(h.db.pragma('integrity_check', { simple: true }), 'ok')
})
