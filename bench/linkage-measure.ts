/**
 * bench/linkage.ts's measurement of one linkage run in this process: a parity sketch with released
 * popcounts of m synthetic 1024-bit records (built through core/build.ts, the build a server runs),
 * q queries, and the run's own scan (core/linkage.ts linkageChunks: chunks of queries, each one
 * core/similarity.ts similarityScan on the scan pool of DPDIST_WORKERS threads), then the greedy
 * solver and the result's JSON, timed part by part.
 *
 * Records: random bit strings with each bit set with probability 15/32 (about 480 of 1024 set, like
 * a CLK); enough for throughput, which depends on the record length and on how many records pass
 * the filter, not on the bits. Half the queries are copies of records with 5 % of their bits
 * flipped (true matches, so the top lists and the solver have work), half are fresh strings.
 * Built sketches are kept in the OS temporary directory between runs (their bits are synthetic).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import seedrandom from 'seedrandom'
import { buildSketchData } from '../core/build.js'
import { greedySolve, linkageChunks } from '../core/linkage.js'
import { similarityScan } from '../core/similarity.js'
import type { LoadedSketch } from '../core/sketch-registry.js'
import type { LinkagePair } from '../db/linkage.js'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { flipProbability } from '../privacy/randomized-response.js'
import { ScanPool } from '../scan/pool.js'
import type { Scanner } from '../scan/types.js'
import { allocateSketchMemory } from '../sketch/kernels/sketch-memory.js'
import { getMechanism } from '../sketch/mechanisms/index.js'

const N = 1024
const BYTES = N / 8
export const SKETCH_EPSILON = 4
export const POPCOUNT_EPSILON = 1
export const THRESHOLD = 0.7
export const TOP = 10

export interface LinkageFigures {
  k: number
  workers: number
  records: number
  queries: number
  cells: number
  bytesPerRecord: number
  /** Wall time of the whole run: chunks, solver, JSON (s). */
  seconds: number
  /** Inside seconds: pool scans (kernels, heaps, merges), the rest of similarityScan (query prep, scoring, re-ranking), pairs, solver, JSON. */
  scanSeconds: number
  rerankSeconds: number
  pairsSeconds: number
  solveSeconds: number
  jsonSeconds: number
  jsonBytes: number
  /** Median of the chunks' pairs/s (less sensitive to a noisy neighbour than the whole). */
  chunkMedianPairsPerSecond: number
  cpuSeconds: number
  peakRssBytes: number
  candidates: number
  matches: number
  /** True-match queries whose record is among the solver's matches. */
  recall: number
  buildSeconds: number | null
  /** The machine's 1-minute load average when the run ended (other tenants' work shows here). */
  loadAverage: number
}

/** Deterministic synthetic records (bench data, not noise: a seeded generator is what we want). */
function records(m: number, seed: string): Uint8Array {
  const rng = seedrandom.alea(seed)
  const out = new Uint8Array(m * BYTES)
  const words = new Uint32Array(out.buffer)
  const u = () => rng.int32() >>> 0
  // P(bit) = P((a|b) & (c | (d&e))) = 3/4 · 5/8 = 15/32
  for (let i = 0; i < words.length; i++) words[i] = ((u() | u()) & (u() | (u() & u()))) >>> 0
  return out
}

function queries(data: Uint8Array, m: number, q: number, seed: string): { bits: Uint8Array[]; truth: Int32Array } {
  const rng = seedrandom.alea(seed)
  const fresh = records(q - (q >> 1), `${seed}-fresh`)
  const bits: Uint8Array[] = []
  const truth = new Int32Array(q).fill(-1)
  const step = Math.max(1, Math.floor(m / Math.max(1, q >> 1)))
  for (let i = 0; i < q >> 1; i++) {
    const r = (i * step) % m
    const copy = data.slice(r * BYTES, (r + 1) * BYTES)
    for (let f = 0; f < N / 20; f++) {
      const bit = Math.floor(rng() * N)
      copy[bit >> 3] ^= 1 << (bit & 7)
    }
    bits.push(copy)
    truth[i] = r
  }
  for (let i = 0; i < q - (q >> 1); i++) bits.push(fresh.slice(i * BYTES, (i + 1) * BYTES))
  return { bits, truth }
}

/** The sketch of m records at k (built once, then read from the temporary directory). */
function sketchFor(data: Uint8Array, m: number, k: number): { sketch: LoadedSketch; buildSeconds: number | null } {
  const mechanism = getMechanism('parity')
  const plan = mechanism.plan({ n: N, k, epsilonMicro: SKETCH_EPSILON * 1e6, unitBits: 1, options: {} }, 'bench-linkage-seed')
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const { data: words, memory } = allocateSketchMemory(m * plan.wordsPerRecord)
  const popcounts = new Int32Array(m)
  const dir = join(tmpdir(), 'dpdist-bench-linkage')
  const file = join(dir, `m${m}-k${k}.bin`)
  let buildSeconds: number | null = null
  if (existsSync(file) && existsSync(`${file}.pop`)) {
    // read straight into the sketch memory (a copy of 512 MB would count in the peak RSS)
    const fd = openSync(file, 'r')
    readSync(fd, new Uint8Array(words.buffer, words.byteOffset, words.byteLength), 0, words.byteLength, 0)
    closeSync(fd)
    popcounts.set(new Int32Array(new Uint8Array(readFileSync(`${file}.pop`)).buffer))
  } else {
    const t = performance.now()
    const rows = (function* () {
      for (let r = 0; r < m; r++) yield { ordinal: r, bits: data.subarray(r * BYTES, (r + 1) * BYTES) }
    })()
    buildSketchData(rows, m, plan, productionNoiseSource(), words, undefined, { epsilonMicro: POPCOUNT_EPSILON * 1e6, unitBits: 1, out: popcounts })
    buildSeconds = (performance.now() - t) / 1000
    mkdirSync(dir, { recursive: true })
    writeFileSync(file, new Uint8Array(words.buffer, words.byteOffset, words.byteLength))
    writeFileSync(`${file}.pop`, new Uint8Array(popcounts.buffer))
  }
  const sketch: LoadedSketch = {
    id: `bench-k${k}`,
    datasetId: 0,
    metric: 'hamming',
    mechanism: 'parity',
    plan,
    pTilde: flip.pTilde,
    epsilonMicro: plan.epsilonMicro,
    calibration: mechanism.calibrate(plan, flip.pTilde),
    recordCount: m,
    data: words,
    memory,
    readyAt: '',
    popcounts,
    popcountEpsilonMicro: POPCOUNT_EPSILON * 1e6,
  }
  return { sketch, buildSeconds }
}

/** A scanner that adds up the time its scans take (the rest of similarityScan is scoring and re-ranking). */
function timed(inner: Scanner): { scanner: Scanner; seconds: () => number } {
  let ms = 0
  const scanner: Scanner = {
    ...inner,
    scan: async (req) => {
      const t = performance.now()
      try {
        return await inner.scan(req)
      } finally {
        ms += performance.now() - t
      }
    },
  }
  return { scanner, seconds: () => ms / 1000 }
}

export async function measureLinkage(m: number, q: number, k: number, workers: number): Promise<LinkageFigures> {
  const data = records(m, 'bench-linkage-records')
  const { sketch, buildSeconds } = sketchFor(data, m, k)
  const { bits, truth } = queries(data, m, q, 'bench-linkage-queries')
  const pool = new ScanPool(workers)
  const { scanner, seconds: scanSeconds } = timed(pool)
  const options = { kind: 'dice' as const, minSimilarity: THRESHOLD, top: TOP, confidence: 0.95, simultaneous: false, unitBits: 1 }
  // one small warm-up scan (worker start, addon load), not timed
  await similarityScan(pool, sketch, bits.slice(0, 1), N, options)

  const all: LinkagePair[] = []
  const chunkRates: number[] = []
  let similarityMs = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let last = t0
  let done = 0
  await linkageChunks({
    queryCount: q,
    recordCount: m,
    rows: (from, to) => bits.slice(from, to).map((b, i) => ({ ordinal: from + i, bits: b })),
    scan: async (chunk) => {
      const t = performance.now()
      const lists = await similarityScan(scanner, sketch, chunk, N, options)
      similarityMs += performance.now() - t
      return lists
    },
    chunk: (pairs, progress) => {
      const now = performance.now()
      chunkRates.push((m * (progress - done)) / ((now - last) / 1000))
      last = now
      done = progress
      for (const p of pairs) all.push(p)
      return true
    },
  })
  const tChunks = performance.now()
  all.sort((a, b) => b.score - a.score || a.queryOrdinal - b.queryOrdinal || a.recordOrdinal - b.recordOrdinal)
  const matched = greedySolve(all)
  const tSolve = performance.now()
  const json = JSON.stringify({
    similarity_scores: all.map((p) => [[0, p.queryOrdinal], [1, p.recordOrdinal], p.score]),
    groups: matched.map((p) => [[0, p.queryOrdinal], [1, p.recordOrdinal]]),
  })
  const tJson = performance.now()
  const cpu = process.cpuUsage(cpu0)
  await pool.close()

  const found = new Set(matched.map((p) => `${p.queryOrdinal}:${p.recordOrdinal}`))
  let trueQueries = 0
  let hits = 0
  truth.forEach((r, i) => {
    if (r < 0) return
    trueQueries++
    if (found.has(`${i}:${r}`)) hits++
  })
  const sorted = chunkRates.slice().sort((a, b) => a - b)
  const scan = scanSeconds()
  return {
    k,
    workers,
    records: m,
    queries: q,
    cells: sketch.plan.params.cells as number,
    bytesPerRecord: sketch.plan.wordsPerRecord * 4,
    seconds: (tJson - t0) / 1000,
    scanSeconds: scan,
    rerankSeconds: similarityMs / 1000 - scan,
    pairsSeconds: (tChunks - t0 - similarityMs) / 1000,
    solveSeconds: (tSolve - tChunks) / 1000,
    jsonSeconds: (tJson - tSolve) / 1000,
    jsonBytes: json.length,
    chunkMedianPairsPerSecond: sorted[sorted.length >> 1],
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    candidates: all.length,
    matches: matched.length,
    recall: trueQueries === 0 ? 0 : hits / trueQueries,
    buildSeconds,
    loadAverage: loadavg()[0],
  }
}
