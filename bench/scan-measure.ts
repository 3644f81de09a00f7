/**
 * bench/scan.ts's measurements for one count-filter path (the one DPDIST_NATIVE_PATH names, or the
 * fastest), in this process: it builds the sketch, times the scans inline and on a pool, and times
 * the native kernels alone and a read loop that does no counting in worker threads of their own.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { flipProbability } from '../privacy/randomized-response.js'
import { randomBits } from '../sketch/bits.js'
import { getMechanism } from '../sketch/mechanisms/index.js'
import { allocateSketchMemory } from '../sketch/kernels/sketch-memory.js'
import { type NativeKernels, type NativePath, nativeCountFilterModule } from '../sketch/kernels/native-count-filter.js'
import { ScanPool, scanInline } from '../scan/pool.js'
import type { LoadedSketch } from '../core/sketch-registry.js'

/** Everything one path's run reports (ms are per call; GB/s of the sketch's bytes). */
export interface ScanFigures {
  path: NativePath | null
  streamPath: NativePath | null
  cells: number
  repetitions: number
  sketchBytes: number
  buildPerSecond: number
  rssDelta: number
  single: number
  pooled: number
  stream1: number
  streamAll: number
  kernel1: number | null
  kernelAll: number | null
  batchInline: number
  singles32: number
  batchPool: number
  pair64: number | null
  pair16: number | null
  qpsOne: number
  qpsAll: number
  /** The same single-query figures on the first `cachedRecords` records only (a sketch that fits in L3). */
  cachedRecords: number
  cachedSingle: number
  cachedPooled: number
  cachedStream1: number
  cachedStreamAll: number
  /** CPU-time medians (ms) of the one-thread figures: inline query, its ceiling, batch and singles per query. */
  cpuSingle: number
  cpuStream1: number
  cpuBatchInline: number
  cpuSingles32: number
}

const gc = (globalThis as { gc?: () => void }).gc

/** Records of the cached case: 12.8 MB of 64-byte records, well inside a 16 or 32 MB L3. */
const CACHED_RECORDS = 200_000

/**
 * Median ms of each measurement, taken in alternation (a, b, a, b, ...) after warm-ups: on a shared
 * VM memory bandwidth drifts by tens of percent between seconds, and alternating puts both sides of
 * a ratio under the same drift. Medians, because single slow rounds (another tenant) are common.
 * A full collection before each timed call (the bench runs with --expose-gc): otherwise the garbage
 * of one measurement is collected by V8's background threads during the next, and on two cores
 * those threads take a core from the scan workers (which run at a lower priority by design).
 * `cpu`: the medians of this process's CPU time per call (user + system), the fairer one-core cost
 * on a shared machine for what runs on this thread (time spent waiting for a core is not in it).
 */
async function alternate(fns: Array<() => unknown>, reps: number, warmups = 10): Promise<number[] & { cpu: number[] }> {
  for (let i = 0; i < warmups; i++) for (const fn of fns) await fn()
  const times = fns.map(() => [] as number[])
  const cpu = fns.map(() => [] as number[])
  for (let i = 0; i < reps; i++) {
    for (let f = 0; f < fns.length; f++) {
      gc?.()
      const c = process.cpuUsage()
      const s = performance.now()
      await fns[f]()
      times[f].push(performance.now() - s)
      const used = process.cpuUsage(c)
      cpu[f].push((used.user + used.system) / 1000)
    }
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]
  return Object.assign(times.map(median), { cpu: cpu.map(median) })
}

/** Records per call of the kernels alone, as the scan engine's blocks. */
const BLOCK = 8192

/**
 * Worker threads that run the addon directly (no scan engine, no JavaScript per block beyond the
 * call), for the all-threads figures: `stream` reads a range of the sketch without counting (the
 * read ceiling), `filter` runs the path's one-query kernel over it with cut 1. The one-thread
 * figures run the same loop (kernelLoop) on this thread, like the inline scans they are compared with.
 */
const kernelWorkerSource = `
const { parentPort, workerData: d } = require('node:worker_threads')
const addon = require(d.addon)
const sketch = new Uint32Array(d.buffer, d.byteOffset, d.words)
const loop = (${kernelLoop.toString()})(addon, addon.paths[d.path], sketch, d.w, d.query, ${BLOCK})
parentPort.on('message', ({ op, from, to }) => parentPort.postMessage(loop(op, from, to)))`

/** The kernels-alone loop over records [from, to) in blocks, here and in the workers (it must stay self-contained). */
function kernelLoop(
  addon: { stream: (d: Uint32Array, f: number, c: number) => number },
  k: NativeKernels,
  data: Uint32Array,
  w: number,
  query: Uint32Array,
  block: number,
) {
  const hits = new Int32Array(2 * block)
  return (op: string, from: number, to: number): number => {
    let x = 0
    for (let b = from; b < to; b += block) {
      const n = Math.min(block, to - b)
      x ^= op === 'stream' ? addon.stream(data, b * w, n * w) : k.filter(data, b, n, w, query, 1, hits, 0)
    }
    return x
  }
}

export async function measurePath(m: number): Promise<ScanFigures> {
  const n = 1024
  const noise = productionNoiseSource()
  const next = () => noise.nextUint32()
  gc?.()
  const rssBefore = process.memoryUsage().rss
  const mechanism = getMechanism('parity')
  const plan = mechanism.plan({ n, k: 32, epsilonMicro: 4_000_000, unitBits: 1, options: {} }, 'bench-scan-seed')
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
  const buildPerSecond = m / ((performance.now() - t0) / 1000)
  gc?.()
  const rssDelta = process.memoryUsage().rss - rssBefore
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
  const one = (q: Uint32Array) => ({ sketch, queries: [q], options, top: 100 })
  const threads = availableParallelism()
  const native = nativeCountFilterModule()

  // the kernels alone, in their own threads; without the addon, only the scans are timed
  const sketchQueries = queries.map((q) => mechanism.prepareQuery(plan, flip.pTilde, sketch.calibration, q, options).byCount!.query)
  const small = new Uint32Array(new SharedArrayBuffer(m * 16))
  for (let i = 0; i < small.length; i += 16384) noise.fillUint32(small.subarray(i, i + 16384))
  const workerData = native && {
    addon: createRequire(import.meta.url).resolve('../build/Release/count_filter.node'),
    path: native.path,
    buffer: data.buffer,
    byteOffset: data.byteOffset,
    words: data.length,
    w: plan.wordsPerRecord,
    query: sketchQueries[0],
  }
  const workers = native ? Array.from({ length: threads }, () => new Worker(kernelWorkerSource, { eval: true, workerData })) : []
  /** `op` over the first `records` records: on this thread (count 1), or split over `count` workers. */
  const here = native && kernelLoop(native, native, data, plan.wordsPerRecord, sketchQueries[0], BLOCK)
  const run = (op: string, count: number, records = m) =>
    count === 1 && here
      ? here(op, 0, records)
      : Promise.all(
          workers.slice(0, count).map(
            (w, i) =>
              new Promise<unknown>((resolve) => {
                w.once('message', resolve)
                w.postMessage({ op, from: Math.floor((i * records) / count), to: Math.floor(((i + 1) * records) / count) })
              }),
          ),
        )
  /** The path's batch kernel alone, 32 queries, on this thread: over the sketch, or over 16-byte records. */
  const packed = Uint32Array.from(sketchQueries.flatMap((q) => Array.from(q)))
  const smallQueries = Uint32Array.from({ length: 32 * 4 }, next)
  const batchHits = new Int32Array(2 * BLOCK * 32)
  const hitCounts = new Uint32Array(32)
  const cutsOf1 = new Uint32Array(32).fill(1)
  const batchAlone = (records: Uint32Array, w: number, qs: Uint32Array) => () => {
    for (let b = 0; b < m; b += BLOCK) native!.filterBatch(records, b, Math.min(BLOCK, m - b), w, qs, 32, cutsOf1, batchHits, 2 * BLOCK, hitCounts)
  }
  const gbPerSecond = (ms: number) => data.byteLength / 1e6 / ms

  const pool = new ScanPool(threads)
  // single queries inline and on the pool, each round also reading the sketch without counting on 1 and all threads
  const streams = native ? [() => run('stream', 1), () => run('stream', threads)] : []
  const singles = await alternate([() => scanInline(one(queries[0])), () => pool.scan(one(queries[0])), ...streams], 40)
  const [single, pooled, stream1 = NaN, streamAll = NaN] = singles
  // the same on a sketch small enough for the last-level cache, where two threads have more to share than DRAM's bandwidth
  const cachedRecords = Math.min(m, CACHED_RECORDS)
  const cached = { ...sketch, recordCount: cachedRecords, data: data.subarray(0, cachedRecords * plan.wordsPerRecord) }
  const cachedOne = { sketch: cached, queries: [queries[0]], options, top: 100 }
  const cachedStreams = native ? [() => run('stream', 1, cachedRecords), () => run('stream', threads, cachedRecords)] : []
  const [cachedSingle, cachedPooled, cachedStream1 = NaN, cachedStreamAll = NaN] = await alternate(
    [() => scanInline(cachedOne), () => pool.scan(cachedOne), ...cachedStreams],
    40,
  )
  const batches = await alternate(
    [() => scanInline({ sketch, queries, options, top: 100 }), () => queries.forEach((q) => scanInline(one(q))), () => pool.scan({ sketch, queries, options, top: 100 })],
    9,
    2,
  )
  const [batchAll, singlesAll, batchPoolAll] = batches
  await pool.close()
  const [kernel1, kernelAll] = native ? await alternate([() => run('filter', 1), () => run('filter', threads)], 21, 3) : [NaN, NaN]
  // per pair by CPU time: the kernel's arithmetic, without the time this thread waited for a core
  const [batch64, batch16] = native ? (await alternate([batchAlone(data, plan.wordsPerRecord, packed), batchAlone(small, 4, smallQueries)], 7, 2)).cpu : [NaN, NaN]
  await Promise.all(workers.map((w) => w.terminate()))

  /** Queries per second with `concurrency` queries always waiting (a closed loop, as a busy server sees). */
  async function throughput(poolThreads: number, concurrency: number, ms: number): Promise<number> {
    const p = new ScanPool(poolThreads)
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

  const perPair = (ms: number) => (ms * 1e6) / (m * 32)
  return {
    path: native?.path ?? null,
    streamPath: native?.streamPath ?? null,
    cells: plan.params.cells as number,
    repetitions: plan.params.repetitions as number,
    sketchBytes: data.byteLength,
    buildPerSecond,
    rssDelta,
    single,
    pooled,
    stream1: gbPerSecond(stream1),
    streamAll: gbPerSecond(streamAll),
    kernel1: native ? gbPerSecond(kernel1) : null,
    kernelAll: native ? gbPerSecond(kernelAll) : null,
    batchInline: batchAll / queries.length,
    singles32: singlesAll / queries.length,
    batchPool: batchPoolAll / queries.length,
    pair64: native ? perPair(batch64) : null,
    pair16: native ? perPair(batch16) : null,
    qpsOne,
    qpsAll,
    cachedRecords,
    cachedSingle,
    cachedPooled,
    cachedStream1: (cachedRecords * plan.wordsPerRecord * 4) / 1e6 / cachedStream1,
    cachedStreamAll: (cachedRecords * plan.wordsPerRecord * 4) / 1e6 / cachedStreamAll,
    cpuSingle: singles.cpu[0],
    cpuStream1: gbPerSecond(singles.cpu[2] ?? NaN),
    cpuBatchInline: batches.cpu[0] / queries.length,
    cpuSingles32: batches.cpu[1] / queries.length,
  }
}
