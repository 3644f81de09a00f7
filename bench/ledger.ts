/**
 * The privacy core's storage and per-query mechanism (issue "Privacy core"):
 * - debits per second through Ledger.debit (BEGIN IMMEDIATE check-and-debit, synchronous = FULL, WAL),
 *   next to the same loop at synchronous = NORMAL as a baseline, and at FULL by an analyst token
 *   with an ε quota on the dataset (the quota is checked and raised in the same transaction);
 * - latency of a geometric Hamming query at m = 100 000, n = 1024 (debit, exact scan, discrete
 *   Laplace noise for every record, top 100), next to the exact scan alone.
 * Run: npm run bench -- ledger
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../db/database.js'
import { Ledger } from '../db/ledger.js'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { randomBits, wordsFor, wordsToBytes } from '../sketch/bits.js'
import { exactHammingScan } from '../sketch/exact/hamming.js'
import { loadConfig } from '../core/config.js'
import { repositories, silentLog } from '../core/context.js'
import { createServices } from '../core/index.js'
import { localOperator } from '../core/principal.js'

const dir = mkdtempSync(join(tmpdir(), 'dpdist-bench-ledger-'))
const noise = productionNoiseSource()
const next = () => noise.nextUint32()

let runs = 0
function debitsPerSecond(synchronous: 'FULL' | 'NORMAL', count: number, quota = false): number {
  const db = openDatabase(join(dir, `ledger-${runs++}.db`))
  db.pragma(`synchronous = ${synchronous}`)
  const repos = repositories(db)
  const d = repos.datasets.create({ name: 'b', bits: 8, unitBits: 1, budgetMicro: count * 10, retainRaw: false, metrics: ['hamming'] }, new Date().toISOString())!
  const tokenId = quota ? repos.tokens.create('analyst', [{ datasetId: d.id, quotaMicro: count * 10 }], null).token.id : null
  const ledger = new Ledger(db)
  const t0 = performance.now()
  for (let i = 0; i < count; i++) ledger.debit({ datasetId: d.id, epsilonMicro: 1, kind: 'query', tokenId, details: { i } })
  const rate = count / ((performance.now() - t0) / 1000)
  db.close()
  return rate
}

// fsync times on this shared disk drift: FULL with and without a quota run in alternation, medians of 5
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const fullRuns: number[] = []
const quotaRuns: number[] = []
for (let round = 0; round < 5; round++) {
  fullRuns.push(debitsPerSecond('FULL', 2000))
  quotaRuns.push(debitsPerSecond('FULL', 2000, true))
}
const full = median(fullRuns)
const withQuota = median(quotaRuns)
const normal = debitsPerSecond('NORMAL', 5000)

const m = 100_000
const n = 1024
const path = join(dir, 'geo.db')
const config = { ...loadConfig({ DPDIST_DB: path }), workers: 0 }
const db = openDatabase(path)
const services = createServices({ ...repositories(db), config, noise, log: silentLog })
await services.datasets.create(localOperator, { name: 'g', bits: n, unitBits: 1, budgetMicro: 1_000_000_000, retainRaw: true, metrics: ['hamming'] })
async function* records() {
  for (let first = 0; first < m; first += 4096) {
    const batch = []
    for (let r = first; r < Math.min(m, first + 4096); r++) batch.push({ id: null, bytes: wordsToBytes(randomBits(n, next), n) })
    yield batch
  }
}
await services.datasets.load(localOperator, 'g', records())
const query = randomBits(n, next)
const request = { metric: 'hamming' as const, query: wordsToBytes(query, n), mechanism: 'geometric' as const, epsilonMicro: 1_000_000, top: 100, confidence: 0.95, simultaneous: false }
await services.queries.query(localOperator, services.datasets.get(localOperator, 'g'), request) // loads the raw cache
const reps = 20
let t0 = performance.now()
for (let i = 0; i < reps; i++) await services.queries.query(localOperator, services.datasets.get(localOperator, 'g'), request)
const geometricMs = (performance.now() - t0) / reps
const raw = new Uint32Array(m * wordsFor(n))
for (let r = 0; r < m; r++) raw.set(randomBits(n, next), r * wordsFor(n))
exactHammingScan(raw, m, wordsFor(n), query)
t0 = performance.now()
for (let i = 0; i < reps; i++) exactHammingScan(raw, m, wordsFor(n), query)
const exactMs = (performance.now() - t0) / reps
await services.close()
db.close()
rmSync(dir, { recursive: true, force: true })

console.log(`## Ledger and geometric queries

Machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}. Command: \`npm run bench -- ledger\`.

| measure | value |
|---|---|
| debits/s, synchronous = FULL (production; median of 5 runs of 2000) | ${Math.round(full).toLocaleString('en')} |
| debits/s, synchronous = NORMAL (baseline) | ${Math.round(normal).toLocaleString('en')} (FULL costs ${(normal / full).toFixed(2)}×) |
| debits/s, synchronous = FULL, by a token with an ε quota (median of 5 runs alternating with the row above) | ${Math.round(withQuota).toLocaleString('en')} (${(full / withQuota).toFixed(2)}× the time of a debit without one) |
| geometric Hamming query, m = 100 000, n = 1024 (debit + exact scan + noise for every record + top 100) | ${geometricMs.toFixed(1)} ms |
| exact scan alone, same m and n | ${exactMs.toFixed(1)} ms (the mechanism costs ${(geometricMs / exactMs).toFixed(1)}× the scan) |
`)
