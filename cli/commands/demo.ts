/**
 * `dpdist demo`: synthetic data, a charged sketch build, one query, and a table of estimate versus
 * truth. Runs on any backend (main.ts gives it a temporary database unless --db or --url is given).
 *
 * Hamming part: a random query string B of n = 1024 bits; 65 records planted at Hamming distance
 * d = 0..64 from B (d distinct positions flipped) and m − 65 unrelated random records (distance
 * about n/2). A `parity` sketch at ε = 5, k = 64 is built and queried with B.
 * Edit part (noisy-bits, n = 256): 33 records planted with d = 0..32 units of random edits
 * (a substitution costs 1, a deletion paired with an insertion elsewhere costs at most 2, so the
 * length stays n), their true edit distance computed exactly, plus unrelated random records.
 *
 * The synthetic data come from the CSPRNG (node:crypto), and the sketch noise from the production
 * noise source inside the services: nothing is seeded, so every run differs.
 */
import { randomBytes, randomInt } from 'node:crypto'
import { bytesFor, bytesToWords, formatBits, parseBits } from '../../sketch/bits.js'
import { editDistanceCapped } from '../../sketch/exact/edit.js'
import { hammingDistance } from '../../sketch/exact/hamming.js'
import type { ParsedRecord } from '../../ingest/index.js'
import type { QueryResponse } from '../backend.js'
import { emit, progressFor, type CommandContext } from '../context.js'
import { count, eps, interval, num, table } from '../output.js'

export interface DemoOptions {
  /** Prefix of the dataset names (`<name>-hamming`, `<name>-edit`). */
  name: string
  records: number
  epsilon: string
  edit: boolean
}

interface Row {
  id: string
  trueDistance: number
  estimate: number
  ciLow: number
  ciHigh: number
  status: string
  covered: boolean
}

interface PartResult {
  dataset: string
  metric: 'hamming' | 'edit'
  mechanism: string
  sketch: string
  epsilon: number
  n: number
  k: number
  records: number
  /** The sketch's predicted sd of an estimate at distances 0, k/2 and k. */
  predictedSd: { atZero: number; atHalfK: number; atK: number } | null
  planted: Row[]
  meanAbsoluteError: number
  coverage: number
  unrelated: { records: number; trueMin: number; trueMax: number; statuses: Record<string, number>; minCiLow: number | null }
  buildSeconds: number
  querySeconds: number
}

const SHOWN = new Set([0, 1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 56, 64])

function* chunked(records: ParsedRecord[], size = 4096): Generator<ParsedRecord[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size)
}

async function* batchesOf(records: ParsedRecord[]): AsyncGenerator<ParsedRecord[]> {
  yield* chunked(records)
}

/** The n-bit string as an array of 0/1 (n = bits.length). */
function randomBitArray(n: number): Uint8Array {
  const bytes = randomBytes(n)
  for (let i = 0; i < n; i++) bytes[i] &= 1
  return bytes
}

function pack(bits: Uint8Array): Uint8Array {
  let text = ''
  for (const b of bits) text += b === 1 ? '1' : '0'
  return parseBits(text, 'binary', bits.length)
}

/** d distinct positions of `query` flipped. */
function atHammingDistance(query: Uint8Array, n: number, d: number): Uint8Array {
  const out = Uint8Array.from(query)
  const positions = Array.from({ length: n }, (_v, i) => i)
  for (let i = 0; i < d; i++) {
    const j = i + randomInt(n - i)
    ;[positions[i], positions[j]] = [positions[j], positions[i]]
    const p = positions[i]
    out[p >>> 3] ^= 0x80 >>> (p & 7)
  }
  return out
}

/** Random edits of total cost ≤ d (substitution 1, deletion + insertion 2), length kept. */
function withEdits(bits: Uint8Array, d: number): Uint8Array {
  const s = Array.from(bits)
  let budget = d
  while (budget > 0) {
    if (budget >= 2 && randomInt(2) === 1) {
      s.splice(randomInt(s.length), 1)
      s.splice(randomInt(s.length + 1), 0, randomInt(2))
      budget -= 2
    } else {
      const p = randomInt(s.length)
      s[p] ^= 1
      budget -= 1
    }
  }
  return Uint8Array.from(s)
}

async function runPart(
  ctx: CommandContext,
  part: { dataset: string; metric: 'hamming' | 'edit'; mechanism: string; n: number; k: number; epsilon: string; records: ParsedRecord[]; truth: Map<string, number>; planted: string[]; query: Uint8Array },
): Promise<PartResult> {
  const { backend } = ctx
  const { dataset, n, records } = part
  await backend.createDataset({ name: dataset, bits: n, epsilonBudget: part.epsilon, metrics: [part.metric] })
  const loadBar = progressFor(ctx, `load ${dataset}`, { total: records.length })
  let reported = 0
  await backend.load(dataset, n, batchesOf(records), (loaded) => {
    loadBar.tick(loaded - reported)
    reported = loaded
  })
  loadBar.done()

  const t0 = performance.now()
  const job = await backend.buildSketch(dataset, { metric: part.metric, mechanism: part.mechanism as 'parity', epsilon: part.epsilon, k: part.k })
  const buildBar = progressFor(ctx, `build ${part.mechanism} ε = ${part.epsilon}`, { total: job.records })
  let built = 0
  const sketch = await backend.waitForSketch(dataset, job.id, (done) => {
    if (done > built) buildBar.tick(done - built)
    built = Math.max(built, done)
  })
  if (sketch.status !== 'ready') {
    buildBar.fail()
    throw new Error(`the demo's ${part.mechanism} sketch failed: ${sketch.error ?? 'unknown error'}`)
  }
  buildBar.done()
  const buildSeconds = (performance.now() - t0) / 1000

  const t1 = performance.now()
  const answer: QueryResponse = await backend.query(dataset, {
    metric: part.metric,
    query: formatBits(part.query, 'base64', n),
    encoding: 'base64',
    top: records.length,
  })
  const querySeconds = (performance.now() - t1) / 1000

  const byId = new Map(answer.results.map((r) => [r.id, r]))
  const planted: Row[] = part.planted.map((id) => {
    const r = byId.get(id)!
    const d = part.truth.get(id)!
    return { id, trueDistance: d, estimate: r.estimate, ciLow: r.ciLow, ciHigh: r.ciHigh, status: r.status, covered: r.ciLow <= d && d <= r.ciHigh }
  })
  const plantedSet = new Set(part.planted)
  const statuses: Record<string, number> = {}
  let trueMin = Infinity
  let trueMax = -Infinity
  let minCiLow: number | null = null
  for (const r of answer.results) {
    if (plantedSet.has(r.id)) continue
    statuses[r.status] = (statuses[r.status] ?? 0) + 1
    const d = part.truth.get(r.id)!
    trueMin = Math.min(trueMin, d)
    trueMax = Math.max(trueMax, d)
    minCiLow = minCiLow === null ? r.ciLow : Math.min(minCiLow, r.ciLow)
  }
  const unrelated = records.length - part.planted.length
  return {
    dataset,
    metric: part.metric,
    mechanism: sketch.mechanism,
    sketch: sketch.id,
    epsilon: sketch.epsilon,
    n,
    k: part.k,
    records: records.length,
    predictedSd: sketch.predictedSd,
    planted,
    meanAbsoluteError: planted.reduce((s, r) => s + Math.abs(r.estimate - r.trueDistance), 0) / planted.length,
    coverage: planted.filter((r) => r.covered).length / planted.length,
    unrelated: { records: unrelated, trueMin: unrelated > 0 ? trueMin : 0, trueMax: unrelated > 0 ? trueMax : 0, statuses, minCiLow },
    buildSeconds,
    querySeconds,
  }
}

function hammingPart(name: string, m: number, epsilon: string) {
  const n = 1024
  const k = 64
  const query = randomBytes(bytesFor(n))
  const queryWords = bytesToWords(query, n)
  const records: ParsedRecord[] = []
  const truth = new Map<string, number>()
  const planted: string[] = []
  const near = Math.min(k + 1, m)
  for (let d = 0; d < near; d++) {
    const id = `near-${String(d).padStart(2, '0')}`
    records.push({ id, bytes: atHammingDistance(query, n, d) })
    truth.set(id, d)
    planted.push(id)
  }
  for (let i = 0; records.length < m; i++) {
    const id = `other-${String(i).padStart(4, '0')}`
    const bytes = randomBytes(bytesFor(n))
    records.push({ id, bytes })
    truth.set(id, hammingDistance(bytesToWords(bytes, n), 0, queryWords, 0, queryWords.length))
  }
  return { dataset: `${name}-hamming`, metric: 'hamming' as const, mechanism: 'parity', n, k, epsilon, records, truth, planted, query }
}

function editPart(name: string, epsilon: string) {
  const n = 256
  const k = 32
  const m = 200
  const queryBits = randomBitArray(n)
  const query = pack(queryBits)
  const queryWords = bytesToWords(query, n)
  const records: ParsedRecord[] = []
  const truth = new Map<string, number>()
  const planted: string[] = []
  const add = (id: string, bits: Uint8Array) => {
    const bytes = pack(bits)
    records.push({ id, bytes })
    truth.set(id, editDistanceCapped(bytesToWords(bytes, n), n, queryWords, n, n))
  }
  for (let d = 0; d <= k; d++) {
    const id = `near-${String(d).padStart(2, '0')}`
    add(id, withEdits(queryBits, d))
    planted.push(id)
  }
  for (let i = 0; records.length < m; i++) add(`other-${String(i).padStart(4, '0')}`, randomBitArray(n))
  return { dataset: `${name}-edit`, metric: 'edit' as const, mechanism: 'noisy-bits', n, k, epsilon, records, truth, planted, query }
}

export async function demo(ctx: CommandContext, o: DemoOptions): Promise<void> {
  const hamming = await runPart(ctx, hammingPart(o.name, o.records, o.epsilon))
  const edit = o.edit ? await runPart(ctx, editPart(o.name, o.epsilon)) : null
  emit(ctx, { backend: ctx.backend.mode, hamming, edit }, () => renderDemo(hamming, edit))
}

function renderPart(title: string, p: PartResult): string {
  const shown = p.planted.filter((r) => SHOWN.has(r.trueDistance) || p.metric === 'edit')
  const rows = (p.metric === 'edit' ? shown.filter((_r, i) => i % 2 === 0 || i === shown.length - 1) : shown).map((r) => [
    r.id,
    r.trueDistance,
    num(r.estimate),
    interval(r.ciLow, r.ciHigh),
    r.status,
  ])
  const statuses = Object.entries(p.unrelated.statuses)
    .map(([s, c]) => `${count(c)} ${s}`)
    .join(', ')
  return [
    `${title}: m = ${count(p.records)} records of n = ${p.n} bits, ${p.mechanism} sketch ${p.sketch} at ε = ${eps(p.epsilon)}, k = ${p.k}`,
    `(built in ${num(p.buildSeconds, 2)} s, queried in ${num(p.querySeconds, 3)} s)`,
    '',
    table(['id', 'true distance', 'estimate', '95 % interval', 'status'], rows).trimEnd(),
    '',
    `mean absolute error over the ${p.planted.length} planted records: ${num(p.meanAbsoluteError, 2)}`,
    `planted distances inside their 95 % interval: ${p.planted.filter((r) => r.covered).length} of ${p.planted.length}`,
    p.unrelated.records > 0
      ? `${count(p.unrelated.records)} unrelated records (true distance ${p.unrelated.trueMin}–${p.unrelated.trueMax}): ${statuses}`
      : '',
    '',
  ].join('\n')
}

function renderDemo(hamming: PartResult, edit: PartResult | null): string {
  const intro =
    'dpdist demo: synthetic records, one charged sketch build per dataset, then a free query.\n' +
    'Privacy: pure ε-DP for a change of 1 bit position of one record; query answers are post-processing.\n\n'
  return intro + renderPart('Hamming distance', hamming) + (edit ? `\n${renderPart('Edit distance', edit)}` : '')
}
