/**
 * Exact (non-private) baselines, measured with the production code:
 *   1. record loading: packed bytes → words, and hex / base64 / binary parse → words, 1024-bit records;
 *   2. exact Hamming scan, n = 1024, m = 10^6 random records;
 *   3. exact capped edit distance, n = 4096, k = 32, m = 10^4 records, half with ≤ 32 planted edits
 *      and half unrelated random strings.
 * Prints a markdown section (machine, command, tables). Run: `npx tsx bench/baselines.ts`.
 * Data come from a fixed-seed xorshift generator so runs are comparable. Each measurement is
 * repeated; the best and the median round are reported (the machine may be shared).
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import {
  bytesToWords,
  formatBits,
  getBit,
  parseBits,
  setBit,
  wordsFor,
  wordsToBytes,
  type Encoding,
} from '../sketch/bits.js'
import { exactHammingScan } from '../sketch/exact/hamming.js'
import { editDistanceScan } from '../sketch/exact/edit.js'

/** xorshift32 (Marsaglia 2003): benchmark data only, never privacy noise. */
function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

function fillRandom(out: Uint32Array, next: () => number): void {
  for (let i = 0; i < out.length; i++) out[i] = next()
}

function median(values: number[]): number {
  const sorted = values.slice().sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

let cpuSeconds = 0
let wallSeconds = 0

interface Timing {
  /** Fastest round, wall-clock seconds. */
  best: number
  /** Median round, wall-clock seconds. */
  median: number
}

/**
 * Runs `body` `rounds` times after one warm-up run and times each round. Also accumulates process
 * CPU time and wall time of the timed runs: their ratio (printed per section) falls below 1 when
 * other processes compete for the cores.
 */
function timeRounds(rounds: number, body: () => void): Timing {
  body()
  const seconds: number[] = []
  for (let r = 0; r < rounds; r++) {
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    body()
    const elapsed = (performance.now() - start) / 1000
    const cpu = process.cpuUsage(cpuStart)
    seconds.push(elapsed)
    wallSeconds += elapsed
    cpuSeconds += (cpu.user + cpu.system) / 1e6
  }
  return { best: Math.min(...seconds), median: median(seconds) }
}

/** Prints and resets the CPU/wall ratio of the timed runs since the last call. */
function printCpuShare(): void {
  print(`CPU time / wall time of the timed runs: ${fmt(cpuSeconds / wallSeconds, 2)}.`)
  cpuSeconds = 0
  wallSeconds = 0
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const lines: string[] = []
const print = (line = '') => lines.push(line)

const cpus = os.cpus()
print('## Exact baselines (non-private)')
print()
const model = cpus[0]?.model ?? 'unknown CPU'
const memory = `${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM`
print(`- Machine: ${model} (${cpus.length} logical CPUs), ${os.platform()} ${os.release()}, ${memory}`)
print(`- Runtime: Node ${process.version}, single thread`)
print('- Command: `npx tsx bench/baselines.ts`')
const date = new Date().toISOString().slice(0, 10)
print(`- Date: ${date}; each measurement: one warm-up run, then the rounds shown; best and median round reported`)
print(`- Load average at start (1/5/15 min): ${os.loadavg().map((x) => fmt(x, 2)).join(' / ')}`)
print()

// ---- 1. Loading 1024-bit records -------------------------------------------------------------
{
  const n = 1024
  const count = 100_000
  const rounds = 5
  const next = xorshift32(1)
  const words = new Uint32Array(count * wordsFor(n))
  fillRandom(words, next)
  const packed: Uint8Array[] = []
  for (let r = 0; r < count; r++) packed.push(wordsToBytes(words, n, r * wordsFor(n)))
  const texts: Record<Encoding, string[]> = { binary: [], hex: [], base64: [] }
  for (const encoding of ['binary', 'hex', 'base64'] as Encoding[]) {
    for (const bytes of packed) texts[encoding].push(formatBits(bytes, encoding, n))
  }
  const target = new Uint32Array(count * wordsFor(n))
  const wpr = wordsFor(n)

  print(`### 1. Loading records (n = ${n}, ${fmt(count)} records per round, ${rounds} rounds)`)
  print()
  print('| input → contiguous words | records/s (best) | records/s (median) | ns/record (best) |')
  print('|---|---:|---:|---:|')
  const packedTiming = timeRounds(rounds, () => {
    for (let r = 0; r < count; r++) bytesToWords(packed[r], n, target, r * wpr)
  })
  const row = (label: string, { best, median: typical }: Timing) =>
    print(`| ${label} | ${fmt(count / best)} | ${fmt(count / typical)} | ${fmt((best / count) * 1e9)} |`)
  row('packed bytes (bytesToWords, incl. checkPackedBytes)', packedTiming)
  for (const encoding of ['hex', 'base64', 'binary'] as Encoding[]) {
    const list = texts[encoding]
    const timing = timeRounds(rounds, () => {
      for (let r = 0; r < count; r++) bytesToWords(parseBits(list[r], encoding, n), n, target, r * wpr)
    })
    const chars = list[0].length
    row(`${encoding} text, ${chars} chars (parseBits + bytesToWords)`, timing)
  }
  let mismatches = 0
  for (let i = 0; i < target.length; i++) if (target[i] !== words[i]) mismatches++
  print()
  print(`Check: the last parse reproduced every word (${mismatches} mismatches).`)
  printCpuShare()
  print()
}

// ---- 2. Exact Hamming scan ---------------------------------------------------------------------
{
  const n = 1024
  const m = 1_000_000
  const queries = 15
  const wpr = wordsFor(n)
  const next = xorshift32(2)
  const records = new Uint32Array(m * wpr)
  fillRandom(records, next)
  const query = new Uint32Array(wpr)
  const out = new Int32Array(m)
  let checksum = 0
  const timing = timeRounds(queries, () => {
    fillRandom(query, next)
    exactHammingScan(records, m, wpr, query, out)
    checksum += out[0]
  })
  const mebibytes = fmt((m * wpr * 4) / 2 ** 20)
  print(`### 2. Exact Hamming scan (n = ${n}, m = ${fmt(m)} random records, ${mebibytes} MiB, ${queries} queries)`)
  print()
  print('| ms/query (best) | ms/query (median) | records/s (best) | GB/s of records (best) |')
  print('|---:|---:|---:|---:|')
  const { best, median: typical } = timing
  const gigabytes = (m * wpr * 4) / best / 1e9
  print(`| ${fmt(best * 1000, 1)} | ${fmt(typical * 1000, 1)} | ${fmt(m / best)} | ${fmt(gigabytes, 2)} |`)
  print()
  print(`Check: mean distance of record 0 over the queries ≈ n/2 (${fmt(checksum / (queries + 1), 1)}).`)
  printCpuShare()
  print()
}

// ---- 3. Exact capped edit distance -------------------------------------------------------------
{
  const n = 4096
  const k = 32
  const m = 10_000
  const rounds = 7
  const wpr = wordsFor(n)
  const next = xorshift32(3)
  const query = new Uint32Array(wpr)
  fillRandom(query, next)

  /** The query with `edits` random edits that keep the length n: substitutions and insert/delete pairs. */
  const planted = (edits: number, out: Uint32Array, offset: number) => {
    const bits: number[] = []
    for (let i = 0; i < n; i++) bits.push(getBit(query, i))
    let left = edits
    while (left > 0) {
      if (left >= 2 && next() % 2 === 0) {
        bits.splice(next() % (n + 1), 0, next() & 1)
        bits.splice(next() % (n + 1), 1)
        left -= 2
      } else {
        bits[next() % n] ^= 1
        left -= 1
      }
    }
    for (let i = 0; i < n; i++) setBit(out, i, bits[i] as 0 | 1, offset)
  }

  const close = new Uint32Array(m * wpr)
  const unrelated = new Uint32Array(m * wpr)
  const mixed = new Uint32Array(m * wpr)
  for (let r = 0; r < m; r++) {
    planted(next() % (k + 1), close, r * wpr)
    unrelated.set(Uint32Array.from({ length: wpr }, next), r * wpr)
    mixed.set((r % 2 === 0 ? close : unrelated).subarray(r * wpr, (r + 1) * wpr), r * wpr)
  }

  print(`### 3. Exact capped edit distance (n = ${n}, k = ${k}, m = ${fmt(m)} records, ${rounds} rounds)`)
  print()
  print('| records | records/s (best) | records/s (median) | µs/record (best) | results ≤ k |')
  print('|---|---:|---:|---:|---:|')
  const out = new Int32Array(m)
  for (const [label, records] of [
    ['mix: 50 % planted (≤ 32 edits), 50 % unrelated', mixed],
    ['planted only (0..32 edits, length kept)', close],
    ['unrelated random only', unrelated],
  ] as [string, Uint32Array][]) {
    const { best, median: typical } = timeRounds(rounds, () => {
      editDistanceScan(records, m, wpr, n, query, k, out)
    })
    let within = 0
    for (let r = 0; r < m; r++) if (out[r] <= k) within++
    print(`| ${label} | ${fmt(m / best)} | ${fmt(m / typical)} | ${fmt((best / m) * 1e6, 1)} | ${fmt(within)} |`)
  }
  print()
  print('Planted records are all within k by construction (≤ 32 edits); unrelated ones should all be k + 1.')
  printCpuShare()
  print()
}

console.log(lines.join('\n'))
