/**
 * Edit-distance benchmark: exact capped edit distance over raw records (banded Myers bit-vector,
 * sketch/exact/edit.ts, and Landau–Vishkin with the word-parallel LCE, sketch/exact/landau-vishkin.ts)
 * against the private mechanisms `noisy-bits` (docs/mechanisms/noisy-bits.md) and `lcp-tree`
 * (docs/mechanisms/lcp-tree.md), on the same
 * data with k = 32.
 *
 * Data: one random query B of n bits; 90 % of the m records are B with planted edits (a budget
 * uniform in 0..32, sketch/stats/synthetic-edits.ts plantEdits), 10 % are unrelated random strings.
 * Synthetic data comes from a seeded generator; privacy noise from the production NoiseSource.
 *
 * Reports per (m, n): ms per query (one thread, best of the repetitions), bytes per record, build
 * records/s, mean absolute error against the exact distance on the near records, and how many
 * unrelated records were reported above k. Run: `npx tsx bench/edit.ts` (writes bench/results-edit.md;
 * `--quick` runs only the smallest size and does not write the file). Filters, which also leave the
 * file alone and only print: `--only=lcp-tree` (comma-separated method families: exact, noisy-bits,
 * lcp-tree; the exact distances for MAE are still computed, untimed) and `--sizes=4096,65536`
 * (string lengths n, with the default m for each). Example:
 * `npx tsx bench/edit.ts --only=lcp-tree --sizes=4096,65536`.
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { wordsFor } from '../sketch/bits.js'
import { editDistanceCapped } from '../sketch/exact/edit.js'
import { plantEdits, syntheticRng, syntheticString } from '../sketch/stats/synthetic-edits.js'
import { WindowedLce, landauVishkin, stringWindows } from '../sketch/exact/landau-vishkin.js'
import type { Estimate, SketchMechanism } from '../sketch/mechanisms/mechanism.js'
import { lcpTree } from '../sketch/mechanisms/lcp-tree/index.js'
import { noisyBits } from '../sketch/mechanisms/noisy-bits.js'
import { flipProbability } from '../privacy/randomized-response.js'
import { productionNoiseSource } from '../privacy/noise-source.js'

const K = 32
const NEAR_FRACTION = 0.9
const quick = process.argv.includes('--quick')
/** Value of a `--name=a,b` option as a list, or null when absent. */
function listOption(name: string): string[] | null {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg === undefined ? null : arg.slice(name.length + 3).split(',').filter((x) => x.length > 0)
}
const only = listOption('only')
const onlySizes = listOption('sizes')?.map(Number) ?? null
const filtered = only !== null || onlySizes !== null
const runs = (family: string): boolean => only === null || only.includes(family)
const sizes: Array<[number, number]> = (quick ? [[10_000, 4096]] : [[10_000, 4096], [10_000, 16_384], [1000, 65_536]])
  .filter(([, n]) => onlySizes === null || onlySizes.includes(n)) as Array<[number, number]>
if (sizes.length === 0) throw new Error('--sizes matches none of 4096, 16384, 65536')
/** Repetitions per timing: at least MIN_REPEATS, more (up to MAX_REPEATS) until one second has been spent. */
const MIN_REPEATS = 5
const MAX_REPEATS = 30
/** Back-to-back runs of one size after its cold run, per round of the alternation. */
const WARM_RUNS = 3

/** Wall and CPU (user + system) milliseconds of one run of f. */
interface Timing {
  wall: number
  cpu: number
}
function timed(f: () => void): Timing {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  f()
  const wall = performance.now() - t0
  const c = process.cpuUsage(c0)
  return { wall, cpu: (c.user + c.system) / 1000 }
}
/** Runs f repeatedly (see MIN_REPEATS) and keeps every timing. */
function repeated(f: () => void): Timing[] {
  const out: Timing[] = []
  let spent = 0
  while (out.length < MIN_REPEATS || (spent < 1000 && out.length < MAX_REPEATS)) {
    const x = timed(f)
    out.push(x)
    spent += x.wall
  }
  return out
}
/** Best of the repetitions: the machine may be shared, and interference only ever adds time. */
function best(xs: Timing[]): Timing {
  return { wall: Math.min(...xs.map((x) => x.wall)), cpu: Math.min(...xs.map((x) => x.cpu)) }
}

interface Row {
  m: number
  n: number
  method: string
  epsilon: string
  msPerQuery: number
  cpuMsPerQuery: number
  /** CPU µs per record. */
  usPerRecord: number
  /** CPU µs per record of a run right after another size's run (its data mostly out of cache); mechanisms only. */
  usPerRecordCold?: number
  bytesPerRecord: number
  buildPerSecond: string
  calibrateMs: string
  mae: string
  aboveK: string
}

const rows: Row[] = []
const loadAtStart = loadavg()[0]

/** One size's data: the query, the raw records, which are near, and the exact capped distances. */
interface SizeData {
  m: number
  n: number
  w: number
  query: Uint32Array
  records: Uint32Array
  near: Uint8Array
  nearCount: number
  truth: Int32Array
}
const data: SizeData[] = []

for (const [m, n] of sizes) {
  const rng = syntheticRng(`bench-edit/${m}/${n}`)
  const query = syntheticString(n, rng)
  const w = wordsFor(n)
  const records = new Uint32Array(m * w)
  const near = new Uint8Array(m)
  for (let r = 0; r < m; r++) {
    const isNear = rng.nextUint32() / 2 ** 32 < NEAR_FRACTION
    near[r] = isNear ? 1 : 0
    records.set(isNear ? plantEdits(query, n, rng.nextUint32() % (K + 1), rng) : syntheticString(n, rng), r * w)
  }
  const nearCount = near.reduce((s, x) => s + x, 0)

  // Exact baselines (the Myers run also fills in the true distances).
  const truth = new Int32Array(m)
  const fillTruth = (): void => {
    for (let r = 0; r < m; r++) truth[r] = editDistanceCapped(records, n, query, n, K, r * w, 0)
  }
  if (!runs('exact')) {
    fillTruth()
  } else {
    const myersTimes = repeated(fillTruth)
    let disagreements = 0
    const lvTimes = repeated(() => {
      // The scan form: the query's 32-bit windows once, one oracle for all records.
      const oracle = new WindowedLce(records, n, stringWindows(query, 0, n), n)
      for (let r = 0; r < m; r++) {
        oracle.base = r * w
        const d = landauVishkin(n, n, K, oracle)
        if ((d ?? K + 1) !== truth[r]) disagreements++
      }
    })
    if (disagreements > 0) throw new Error(`exact LV and Myers disagree on ${disagreements} records`)
    for (const [method, times] of [['exact Myers (edit-exact)', myersTimes], ['exact Landau–Vishkin', lvTimes]] as const) {
      const { wall, cpu } = best(times)
      rows.push({
        m, n, method, epsilon: '—', msPerQuery: wall, cpuMsPerQuery: cpu, usPerRecord: (1000 * cpu) / m, bytesPerRecord: 4 * w,
        buildPerSecond: '—', calibrateMs: '—', mae: '0', aboveK: `${m - nearCount}/${m - nearCount}`,
      })
    }
  }
  data.push({ m, n, w, query, records, near, nearCount, truth })
  console.error(`data and exact baselines: m=${m} n=${n}`)
}

/*
 * The private mechanisms. For each ε, every size's sketch is built first and the sizes' queries are
 * then timed in alternation (one run of each size per round), so that the per-record ratios between
 * sizes (the sublinearity in n) compare runs made under the same machine conditions: on a shared VM
 * memory speed drifts by tens of percent over seconds, which measuring one size after the other
 * would put into the ratio.
 */
const mechanismRuns: Array<[SketchMechanism, number[]]> = [
  [noisyBits, [6, 8, 10]],
  // ε = 400: practically noise-free at every n here, to show the algorithm's own scaling.
  [lcpTree, [60, 80, 120, 400]],
]
const mechanismRows: Row[] = []
for (const [mech, epsilons] of mechanismRuns) {
  if (!runs(mech.name)) continue
  for (const eps of epsilons) {
    const prepared = data.map((d) => {
      const plan = mech.plan({ n: d.n, k: K, epsilonMicro: eps * 1_000_000, unitBits: 1, options: {} }, 'bench-public-hash-seed')
      const flip = flipProbability(plan.epsilonMicro, plan.delta)
      const sketches = new Uint32Array(d.m * plan.wordsPerRecord)
      const build = mech.builder(plan, flip, productionNoiseSource())
      const b0 = performance.now()
      for (let r = 0; r < d.m; r++) build(d.records, r * d.w, sketches, r * plan.wordsPerRecord)
      const buildMs = performance.now() - b0
      const c0 = performance.now()
      const cal = mech.calibrate(plan, flip.pTilde)
      const calMs = performance.now() - c0
      const out: Estimate[] = new Array(d.m)
      const run = (): void => {
        const estimate = mech.prepareQuery(plan, flip.pTilde, cal, d.query, { confidence: 0.95, simultaneousM: null })
        for (let r = 0; r < d.m; r++) out[r] = estimate(sketches, r * plan.wordsPerRecord)
      }
      return { d, plan, buildMs, cal, calMs, out, run, times: [] as Timing[], coldTimes: [] as Timing[], spent: 0 }
    })
    // Each round runs every size WARM_RUNS + 1 times in a row: the first run follows another size's
    // and finds its data mostly evicted (cold); the others find what fits in cache, as back-to-back
    // queries on one sketch do (warm, the table's figure).
    while (prepared.some((p) => p.times.length < MIN_REPEATS || (p.spent < 1000 && p.times.length < MAX_REPEATS))) {
      for (const p of prepared) {
        if (p.times.length >= MAX_REPEATS) continue
        p.coldTimes.push(timed(p.run))
        for (let i = 0; i < WARM_RUNS; i++) {
          const x = timed(p.run)
          p.times.push(x)
          p.spent += x.wall
        }
      }
    }
    for (const { d, plan, buildMs, cal, calMs, out, times, coldTimes } of prepared) {
      let absErr = 0
      let farAbove = 0
      for (let r = 0; r < d.m; r++) {
        if (d.near[r] === 1) absErr += Math.abs(out[r].estimate - d.truth[r])
        else if (out[r].estimate > K) farAbove++
      }
      const { wall, cpu } = best(times)
      mechanismRows.push({
        m: d.m, n: d.n, method: `${mech.name}${plan.reliable ? '' : ' (unreliable)'}`, epsilon: String(eps),
        msPerQuery: wall, cpuMsPerQuery: cpu, usPerRecord: (1000 * cpu) / d.m, usPerRecordCold: (1000 * best(coldTimes).cpu) / d.m,
        bytesPerRecord: 4 * plan.wordsPerRecord, buildPerSecond: Math.round(d.m / (buildMs / 1000)).toLocaleString('en-US'),
        calibrateMs: cal.samples === 0 ? 'skipped (too costly; rigorous fallback)' : calMs.toFixed(0),
        mae: (absErr / d.nearCount).toFixed(3), aboveK: `${farAbove}/${d.m - d.nearCount}`,
      })
    }
    console.error(`done ${mech.name} ε=${eps}`)
  }
}
// Rows grouped by size, as before: the exact baselines of a size, then its mechanisms.
for (const d of data) {
  const at = rows.findLastIndex((r) => r.n === d.n)
  const mine = mechanismRows.filter((r) => r.n === d.n)
  if (at < 0) rows.push(...mine)
  else rows.splice(at + 1, 0, ...mine)
}

const fmt = (x: number, digits: number): string => x.toFixed(digits)
const lines: string[] = []
lines.push('# Edit-distance benchmark (k = 32)')
lines.push('')
lines.push(`Command: \`npx tsx bench/edit.ts\` · Node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} ` +
  `(${cpus().length} logical cores, one thread used) · ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM · ${new Date().toISOString().slice(0, 10)} · ` +
  `load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`)
lines.push('')
lines.push(`Data: one random query; ${100 * NEAR_FRACTION} % of records are the query with planted edits (budget uniform in 0..${K}: ` +
  'substitutions, deletion+insertion pairs near and far apart, short bursts), the rest unrelated random strings. MAE is over the near records, against the ' +
  'exact distance; "above k" counts unrelated records reported above k. Query time is the best of ' +
  `${MIN_REPEATS}–${MAX_REPEATS} runs (at least ${MIN_REPEATS} and one second; wall clock and process CPU time, separately) and includes prepareQuery (lcp-tree: the per-diagonal prefix tables). Build uses the production CSPRNG. ` +
  'Calibration is the one-off Monte-Carlo interval table per sketch.')
lines.push('')
lines.push('| m | n | method | ε | ms/query (wall) | ms/query (CPU) | CPU µs/record | bytes/record | build records/s | calibrate ms | MAE | above k |')
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const r of rows) {
  lines.push(`| ${r.m} | ${r.n} | ${r.method} | ${r.epsilon} | ${fmt(r.msPerQuery, 1)} | ${fmt(r.cpuMsPerQuery, 1)} | ${fmt(r.usPerRecord, 2)} | ` +
    `${r.bytesPerRecord} | ${r.buildPerSecond} | ${r.calibrateMs} | ${r.mae} | ${r.aboveK} |`)
}
lines.push('')
// Sublinearity of lcp-tree: per-record query cost at the largest n over the smallest n, same ε.
const rowOf = (method: string, n: number, eps: string): Row | undefined =>
  rows.find((r) => r.n === n && r.method.startsWith(method) && r.epsilon === eps)
const perRecord = (method: string, n: number, eps: string): number | undefined => rowOf(method, n, eps)?.usPerRecord
const nMin = sizes[0][1]
const nMax = sizes[sizes.length - 1][1]
if (nMax > nMin) {
  lines.push(`CPU time per record, n = ${nMax} vs n = ${nMin} (${nMax / nMin}× longer strings):`)
  lines.push('')
  for (const eps of ['60', '80', '120', '400']) {
    const lo = rowOf('lcp-tree', nMin, eps)
    const hi = rowOf('lcp-tree', nMax, eps)
    if (lo?.usPerRecordCold !== undefined && hi?.usPerRecordCold !== undefined) {
      const [ac, bc] = [lo.usPerRecordCold, hi.usPerRecordCold]
      lines.push(`- lcp-tree ε = ${eps}: ${(hi.usPerRecord / lo.usPerRecord).toFixed(3)}× (cold: ${(bc / ac).toFixed(3)}×, ${ac.toFixed(2)} → ${bc.toFixed(2)} µs per record)`)
    }
  }
  for (const eps of ['6', '8', '10']) {
    const a = perRecord('noisy-bits', nMin, eps)
    const b = perRecord('noisy-bits', nMax, eps)
    if (a !== undefined && b !== undefined) lines.push(`- noisy-bits ε = ${eps}: ${(b / a).toFixed(2)}×`)
  }
  const a = perRecord('exact Myers', nMin, '—')
  const b = perRecord('exact Myers', nMax, '—')
  if (a !== undefined && b !== undefined) lines.push(`- exact Myers: ${(b / a).toFixed(2)}×`)
  lines.push('')
  lines.push('Notes: lcp-tree stores every 4th dyadic level (its default level stride), so Δ = 1 + #levels is 3 at n = 4096 ' +
    'and 4 at n = 65536 (8 and 12 with every level, the paper\'s layout): at a fixed ε the per-cell noise still grows with n, ' +
    'but from a very low level, and the Landau–Vishkin search rarely does extra rounds on noise; ε = 400 shows the algorithm\'s ' +
    'own scaling. At n = 65536 only m = 1000 records share the per-query prefix tables ((2⌊k/2⌋+1)·(n/64+1) parity words, ' +
    'built 32 diagonals at a time with bit-matrix transposes, about 0.5 ms), which adds about 0.5 µs per record; the rest of ' +
    'the growth is the log n part of each extension (one more stored level to climb and descend) and cache misses on the ' +
    '12 KiB records. noisy-bits is linear in n by design and, at ε = 6, n·p̃ grows to 162 at n = 65536, so its band ' +
    '(k + n·p̃ + 4√(n·p̃) + 5) and cost grow accordingly.')
  lines.push('')
}
const text = lines.join('\n')
console.log(text)
if (!quick && !filtered) writeFileSync(fileURLToPath(new URL('./results-edit.md', import.meta.url)), text)
