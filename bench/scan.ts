/**
 * Scan throughput (issue "Throughput at scale"): one core vs the worker pool, batches vs single
 * queries, and memory held per million records, on a `parity` sketch with m = 10^6, n = 1024, k = 32.
 * Run: npm run bench -- scan   (or: npx tsx bench/scan.ts; add --records N to change m)
 */
import { cpus, availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { flipProbability } from '../privacy/randomized-response.js'
import { randomBits } from '../sketch/bits.js'
import { getMechanism } from '../sketch/mechanisms/index.js'
import { allocateSketchMemory } from '../sketch/kernels/sketch-memory.js'
import { nativeCountFilterModule } from '../sketch/kernels/native-count-filter.js'
import { ScanPool, scanInline } from '../scan/pool.js'
import type { LoadedSketch } from '../core/sketch-registry.js'

const arg = process.argv.indexOf('--records')
const m = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000
const n = 1024
const k = 32
const noise = productionNoiseSource()
const next = () => noise.nextUint32()

const gc = (globalThis as { gc?: () => void }).gc
gc?.()
const rssBefore = process.memoryUsage().rss
const mechanism = getMechanism('parity')
const plan = mechanism.plan({ n, k, epsilonMicro: 4_000_000, unitBits: 1, options: {} }, 'bench-scan-seed')
const flip = flipProbability(plan.epsilonMicro, plan.delta)
// held the way the server holds a loaded sketch: in a shared sketch memory the kernels read in place
const { data, memory } = allocateSketchMemory(m * plan.wordsPerRecord)
const build = mechanism.builder(plan, flip, noise)
const record = randomBits(n, next)
const t0 = performance.now()
for (let r = 0; r < m; r++) {
  // cheap variation of one random record: enough for throughput, the estimator's cost does not depend on the bits
  record[r % record.length] ^= 1 << (r & 31)
  build(record, 0, data, r * plan.wordsPerRecord)
}
const buildMs = performance.now() - t0
gc?.()
const rssAfter = process.memoryUsage().rss
const sketch: LoadedSketch = {
  id: 'bench',
  datasetId: 0,
  metric: 'hamming',
  mechanism: 'parity',
  plan,
  pTilde: flip.pTilde,
  epsilonMicro: plan.epsilonMicro,
  calibration: mechanism.calibrate(plan, flip.pTilde),
  recordCount: m,
  data,
  memory,
  readyAt: '',
  popcounts: null,
  popcountEpsilonMicro: null,
}
const options = { confidence: 0.95, simultaneousM: null }
const queries = Array.from({ length: 32 }, () => randomBits(n, next))

/**
 * Median ms of each measurement, taken in alternation (a, b, a, b, ...) after warm-ups: on a shared
 * VM memory bandwidth drifts by tens of percent between seconds, and alternating puts both sides of
 * a ratio under the same drift. Medians, because single slow rounds (another tenant) are common.
 * A full collection before each timed call (the bench runs with --expose-gc): otherwise the garbage
 * of one measurement is collected by V8's background threads during the next, and on two cores
 * those threads take a core from the scan workers (which run at a lower priority by design).
 */
async function alternate(fns: Array<() => unknown>, reps: number, warmups = 10): Promise<number[]> {
  for (let i = 0; i < warmups; i++) for (const fn of fns) await fn()
  const times = fns.map(() => [] as number[])
  for (let i = 0; i < reps; i++) {
    for (let f = 0; f < fns.length; f++) {
      gc?.()
      const s = performance.now()
      await fns[f]()
      times[f].push(performance.now() - s)
    }
  }
  return times.map((xs) => xs.sort((x, y) => x - y)[xs.length >> 1])
}

const threads = availableParallelism()
const pool = new ScanPool(threads)
const one = (q: Uint32Array) => ({ sketch, queries: [q], options, top: 100 })
const [single, pooled] = await alternate([() => scanInline(one(queries[0])), () => pool.scan(one(queries[0]))], 60)
const [batchAll, singlesAll, batchPoolAll] = await alternate(
  [() => scanInline({ sketch, queries, options, top: 100 }), () => queries.forEach((q) => scanInline(one(q))), () => pool.scan({ sketch, queries, options, top: 100 })],
  9,
  2,
)
const batchInline = batchAll / queries.length
const singles32 = singlesAll / queries.length
const batchPool = batchPoolAll / queries.length
await pool.close()

/** Queries per second with `concurrency` queries always waiting (a closed loop, as a busy server sees). */
async function throughput(threads: number, concurrency: number, ms: number): Promise<number> {
  const p = new ScanPool(threads)
  for (let i = 0; i < 20; i++) await p.scan(one(queries[i % queries.length]))
  let done = 0
  const end = performance.now() + ms
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      for (let i = c; performance.now() < end; i += concurrency) {
        await p.scan(one(queries[i % queries.length]))
        done++
      }
    }),
  )
  const rate = done / ((performance.now() - start) / 1000)
  await p.close()
  return rate
}
const qpsOne = await throughput(1, 16, 4000)
const qpsAll = await throughput(threads, 16, 4000)

/*
 * The memory ceiling: the native count filter alone (no JavaScript per block beyond the call), over
 * the whole sketch with cut 0, on one thread and then on all threads at once (one range each). Its
 * arithmetic costs well under a third of a record's memory time, so this is the rate at which this
 * machine can stream the sketch with one core and with all of them; a single query cannot be split
 * across cores for more than their ratio.
 */
const native = nativeCountFilterModule()
const addonPath = native === null ? null : createRequire(import.meta.url).resolve('../build/Release/count_filter.node')
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const native = require(workerData.addon)
const data = new Uint32Array(workerData.buffer, workerData.byteOffset, workerData.words)
const hits = new Int32Array(2 * 8192)
parentPort.on('message', ({ from, to }) => {
  const t0 = performance.now()
  for (let b = from; b < to; b += 8192) native.filter(data, b, Math.min(8192, to - b), workerData.w, workerData.query, 0, hits, 0)
  parentPort.postMessage(performance.now() - t0)
})`
async function streamRates(): Promise<{ one: number; all: number } | null> {
  if (addonPath === null) return null
  const query = mechanism.prepareQuery(plan, flip.pTilde, sketch.calibration, queries[0], options).byCount!.query
  const workerData = { addon: addonPath, buffer: data.buffer, byteOffset: data.byteOffset, words: data.length, w: plan.wordsPerRecord, query }
  const workers = Array.from({ length: threads }, () => new Worker(workerSource, { eval: true, workerData }))
  const run = (count: number) =>
    Promise.all(
      workers.slice(0, count).map(
        (w, i) =>
          new Promise<number>((resolve) => {
            w.once('message', resolve)
            w.postMessage({ from: Math.floor((i * m) / count), to: Math.floor(((i + 1) * m) / count) })
          }),
      ),
    )
  // the same alternation as every other ratio here: medians of 31 runs each way after 5 warm-ups
  const [oneMs, allMs] = await alternate([() => run(1), () => run(threads)], 31, 5)
  await Promise.all(workers.map((w) => w.terminate()))
  const gbPerSecond = (ms: number) => data.byteLength / 1e9 / (ms / 1000)
  return { one: gbPerSecond(oneMs), all: gbPerSecond(allMs) }
}
const stream = await streamRates()

const sketchBytes = data.byteLength
const rssDelta = rssAfter - rssBefore
const fmt = (x: number) => x.toFixed(2)
console.log(`## Scan (parity, m = ${m.toLocaleString('en')}, n = ${n}, k = ${k})

Machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}. Command: \`npm run bench -- scan\`.
Sketch: M = ${plan.params.cells}, L = ${plan.params.repetitions}, ${plan.wordsPerRecord * 4} bytes per record; top = 100. Count filter: ${native === null ? 'WebAssembly (native filter not built)' : `native, ${native.path}`}.

Times are medians of alternated runs (60 single queries each way after 10 warm-ups; 9 batches).

| measure | value |
|---|---|
| build, one core | ${Math.round(m / (buildMs / 1000)).toLocaleString('en')} records/s |
| one query, one core (inline) | ${fmt(single)} ms (${Math.round(m / (single / 1000)).toLocaleString('en')} records/s) |
| one query, pool of ${threads} workers | ${fmt(pooled)} ms — speed-up ${fmt(single / pooled)}× (target ≥ 1.7× on two cores) |
| 16 concurrent queries (closed loop, 4 s): 1 worker vs ${threads} | ${qpsOne.toFixed(0)} vs ${qpsAll.toFixed(0)} queries/s — ${fmt(qpsAll / qpsOne)}× |
| batch of 32, one core | ${fmt(batchInline)} ms per query |
| 32 single queries, one core | ${fmt(singles32)} ms per query — batch ${fmt(singles32 / batchInline)}× fewer ms per query (target ≥ 3×) |
| batch of 32, pool | ${fmt(batchPool)} ms per query — speed-up ${fmt(batchInline / batchPool)}× over one core |
| memory read by one inline query | ${(sketchBytes / 1e9 / (single / 1000)).toFixed(1)} GB/s |
| memory ceiling: the kernel alone streaming the sketch, 1 thread vs ${threads} at once | ${stream === null ? 'not measured (native filter not built)' : `${stream.one.toFixed(1)} vs ${stream.all.toFixed(1)} GB/s — at most ${fmt(stream.all / stream.one)}× for one memory-bound query`} |
| sketch bytes held | ${(sketchBytes / 1e6).toFixed(1)} MB (${(sketchBytes / m).toFixed(0)} B/record) |
| RSS growth while holding it | ${(rssDelta / 1e6).toFixed(1)} MB — ${fmt(rssDelta / sketchBytes)}× the sketch bytes (target ≤ 1.3×) |
`)
