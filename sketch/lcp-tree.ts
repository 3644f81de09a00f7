/**
 * Mechanism `lcp-tree` (edit distance, the paper's approach; paper-notes §3.2 and §5.5, variant E0):
 * Landau–Vishkin whose longest-common-extension queries are answered from private dyadic equality
 * sketches, so a query costs O(k²·log n) word operations per record, sublinear in n.
 *
 * Public parameters: W = 32 cells per parity word; a table cellOf[x] ∈ [0, W) for every position x,
 * expanded from the public hash seed with seedrandom and shared by all records and levels (an
 * independent random permutation of the W cells for each aligned group of W positions: two positions
 * of one group never share a cell, so mismatches close together cannot cancel in a parity word);
 * levels j ∈ [j0, J] with j0 = log2(W) + 1 = 6 and J = ⌊log2 n⌋ (the top level with a full block).
 *
 * Stored per record, all cells flipped with p̃ ≥ p = 1/(1 + e^{ε/Δ}) (privacy/randomized-response.ts):
 *   (a) the raw bits Ã = A ⊕ noise (one cell per position), used for blocks of ≤ 64 bits;
 *   (b) for each level j and each full aligned block [s, s + 2^j): the W-cell parity word
 *       node_j[s >> j] = ⊕_{x in block, A[x] = 1} e_{cellOf[x]}.
 * One position touches 1 raw cell and at most one cell per level, so a protected change of
 * unitBits positions toggles at most Δ = unitBits·(1 + #levels) cells for every hash seed (n = 4096:
 * Δ = 8 per bit). Space ≈ 2n bits per record.
 *
 * Query side (B in the clear), built once per query in prepareQuery and shared by all records: for
 * each diagonal d ∈ [−k, k] the prefix XOR P_d[b] = ⊕ of B's parity words of the A-blocks
 * [64c, 64c + 64), c < b, each read on B at positions 64c + d … (zero when outside B), with cells by
 * A-position cellOf. B's word for the A-block [s, s + 2^j) is P_d[(s + 2^j)/64] ⊕ P_d[s/64].
 *
 * EQ(j, s, d) is "node_j[s >> j] ⊕ B's word = 0" (threshold 0). LCE(x, d) follows paper-notes §5.5:
 * ascend over aligned dyadic blocks while they test equal, then descend to the first failing leaf.
 * Below 64 bits the equality tests read the noisy raw bits; the ascent and descent over those levels
 * (j < 6) return the first raw mismatch inside the 64-bit block, which is computed directly with the
 * word-parallel exact LCE on (Ã, B) (the one difference: a 64-bit block that failed only through
 * noise is passed whole, where the bit-by-bit descent would stop one bit short). LV runs on top with
 * cap k; `above_k` when it does not finish.
 *
 * Errors: a noisy "≠" stops an LCE early (an overestimate by one edit, usually); a masked mismatch
 * lets it overshoot (an underestimate, usually by two): by noise, or because the mismatches inside a
 * block cancel in its parity word (two mismatches in different groups share a cell with probability
 * 1/W). Cancellation needs no noise and grows with the number of isolated mismatches, so at large ε
 * the error is data-dependent. Measured without noise at n = 4096, k = 32, distances uniform in
 * 0..32: about 2 % of records are underestimated with clustered edits (shifts, bursts), 14 % with
 * isolated substitutions only (24 % at 32 isolated substitutions). Reliability (paper-notes §6): the
 * per-test error bound holds for all
 * ≤ 2(J+1)(k+1)² tests with probability 1 − α only when ε/Δ ≥ ln(W·2(⌈log2 n⌉+1)(k+1)²/α); we use
 * α = 0.05. Below that, plan.reliable = false and every estimate has status `unreliable`.
 *
 * Estimate: the LV result r (k + 1 when above k, a lower bound). Intervals: a confidence belt over
 * Monte-Carlo tables of G = r − ED(A, B) per stratum of the true distance (the error grows with it),
 * simulated with this plan's cellOf table, p̃ and k on random strings with planted edits, half of
 * them isolated substitutions, the unfavourable case for parity collisions (sketch/edit-calibration.ts).
 * When the level is too extreme for the tables (Bonferroni over many records) or r falls outside
 * every acceptance region, the honest interval under the paper's promise ED ≤ k: [0, k] ([0, n]
 * above k).
 */
import seedrandom from 'seedrandom'
import type { FlipProbability } from '../privacy/randomized-response.js'
import { flipProbability, randomizedResponse } from '../privacy/randomized-response.js'
import type { NoiseSource } from '../privacy/noise-source.js'
import { wordsFor } from './bits.js'
import { TableCache } from './hash-tables.js'
import { intervalAlpha } from './intervals.js'
import {
  BeltBuilder,
  beltInterval,
  calibrationNumber,
  calibrationSamples,
  plantEdits,
  prepareBelt,
  readBelt,
  simulateFlips,
  syntheticRng,
  syntheticString,
} from './edit-calibration.js'
import type { LceOracle } from './landau-vishkin.js'
import { editDistanceLV, landauVishkin, stringWindows, windowAt, windowedLce } from './landau-vishkin.js'
import type {
  Calibration,
  Estimate,
  Plan,
  PlanRequest,
  QueryOptions,
  RecordBuilder,
  RecordEstimator,
  SketchMechanism,
} from './mechanism.js'
import { rejectUnknownOptions } from './mechanism.js'

/** Cells per parity word. */
export const LCP_TREE_W = 32
/** First sketched level: blocks of 2^6 = 64 bits (log2 W + 1). */
export const LCP_TREE_FIRST_LEVEL = 6
const BLOCK = 1 << LCP_TREE_FIRST_LEVEL
/** Failure probability in the reliability threshold (paper-notes §6). */
export const LCP_TREE_ALPHA = 0.05
/** Largest per-query prefix table, (2k + 1)·(⌊n/64⌋ + 1) words (128 MiB). */
const MAX_PREFIX_WORDS = 2 ** 25
/** Public seed of the calibration simulation (synthetic data, not privacy noise). */
export const LCP_TREE_CALIBRATION_SEED = 'dpdist/lcp-tree/calibration/v1'

/** Word layout of one stored record. */
export interface LcpTreeLayout {
  n: number
  rawWords: number
  /** Highest level with a full block (⌊log2 n⌋), or FIRST_LEVEL − 1 when there is none. */
  topLevel: number
  /** Number of sketched levels (topLevel − FIRST_LEVEL + 1, or 0). */
  levels: number
  /** levelOffset[j − FIRST_LEVEL] = first word of level j, relative to the record. */
  levelOffset: number[]
  /** Full 64-bit blocks: ⌊n / 64⌋. */
  blocks: number
  wordsPerRecord: number
}

export function lcpTreeLayout(n: number): LcpTreeLayout {
  const rawWords = wordsFor(n)
  const topLevel = n >= BLOCK ? Math.floor(Math.log2(n)) : LCP_TREE_FIRST_LEVEL - 1
  const levelOffset: number[] = []
  let words = rawWords
  for (let j = LCP_TREE_FIRST_LEVEL; j <= topLevel; j++) {
    levelOffset.push(words)
    words += Math.floor(n / 2 ** j)
  }
  return {
    n,
    rawWords,
    topLevel,
    levels: levelOffset.length,
    levelOffset,
    blocks: Math.floor(n / BLOCK),
    wordsPerRecord: words,
  }
}

/** ε needed for the reliability condition ε/Δ ≥ ln(W·2(⌈log2 n⌉+1)(k+1)²/α). */
export function lcpTreeReliableEpsilon(n: number, k: number, delta: number): number {
  const J = Math.ceil(Math.log2(Math.max(2, n)))
  return delta * Math.log((LCP_TREE_W * 2 * (J + 1) * (k + 1) ** 2) / LCP_TREE_ALPHA)
}

/** Public hash tables expanded from the seed: cellOf and the nibble lookup used to build parity words. */
interface HashTables {
  cellOf: Uint8Array
  /** nibble[(x/4)·16 + v] = ⊕ e_{cellOf[x + q]} over bits q of the nibble v (MSB = position x). */
  nibble: Uint32Array
}

const tableCache = new TableCache<HashTables>(8)

export function lcpTreeCellOf(n: number, hashSeed: string): Uint8Array {
  return hashTables(n, hashSeed).cellOf
}

function hashTables(n: number, hashSeed: string): HashTables {
  return tableCache.get(`${n}|${hashSeed}`, () => {
    // An independent random permutation of the W cells for each aligned group of W positions: every
    // position's cell is uniform, two positions in different groups collide with probability 1/W,
    // and two positions in the same group never do, so nearby mismatches (bursts, short shifts)
    // cannot cancel in a parity word.
    const prng = seedrandom.alea(`dpdist/lcp-tree/cellOf/${hashSeed}`)
    const cellOf = new Uint8Array(n)
    const perm = new Uint8Array(LCP_TREE_W)
    for (let g = 0; g < n; g += LCP_TREE_W) {
      for (let c = 0; c < LCP_TREE_W; c++) perm[c] = c
      for (let c = LCP_TREE_W - 1; c > 0; c--) {
        const r = (prng.int32() >>> 0) % (c + 1)
        const tmp = perm[c]
        perm[c] = perm[r]
        perm[r] = tmp
      }
      for (let c = 0; c < LCP_TREE_W && g + c < n; c++) cellOf[g + c] = perm[c]
    }
    const groups = Math.ceil(n / 4)
    const nibble = new Uint32Array(groups * 16)
    for (let g = 0; g < groups; g++) {
      for (let v = 1; v < 16; v++) {
        let acc = 0
        for (let q = 0; q < 4; q++) {
          const x = 4 * g + q
          if (x < n && ((v >>> (3 - q)) & 1) === 1) acc ^= 0x80000000 >>> cellOf[x]
        }
        nibble[g * 16 + v] = acc
      }
    }
    return { cellOf, nibble }
  })
}

/**
 * Parity word of the A-block [s, s + 64) with cells by A-position, reading the 64 bits of string X
 * (nWords words at `base`) that start at bit `from` (from + 64 must not exceed X's length).
 */
function blockParity(nibble: Uint32Array, s: number, x: Uint32Array, base: number, nWords: number, from: number): number {
  const hi = windowAt(x, base, nWords, from)
  const lo = windowAt(x, base, nWords, from + 32)
  let t = (s >>> 2) * 16
  let acc = 0
  for (let q = 28; q >= 0; q -= 4, t += 16) acc ^= nibble[t + ((hi >>> q) & 15)]
  for (let q = 28; q >= 0; q -= 4, t += 16) acc ^= nibble[t + ((lo >>> q) & 15)]
  return acc
}

/** Writes the clean (pre-noise) sketch of one record. Exported for the privacy property test. */
export function lcpTreeCleanSketch(
  layout: LcpTreeLayout,
  nibble: Uint32Array,
  record: Uint32Array,
  recordOffset: number,
  out: Uint32Array,
  outOffset: number,
): void {
  const { n, rawWords, levelOffset } = layout
  for (let w = 0; w < rawWords; w++) out[outOffset + w] = record[recordOffset + w]
  const used = n & 31
  if (used !== 0) out[outOffset + rawWords - 1] &= -1 << (32 - used)
  if (layout.levels === 0) return
  // Level 6 from the (masked) raw copy; every full 64-bit block lies inside the string.
  const first = outOffset + levelOffset[0]
  for (let b = 0; b < layout.blocks; b++) {
    out[first + b] = blockParity(nibble, b * BLOCK, out, outOffset, rawWords, b * BLOCK)
  }
  for (let l = 1; l < layout.levels; l++) {
    const child = outOffset + levelOffset[l - 1]
    const here = outOffset + levelOffset[l]
    const count = Math.floor(n / 2 ** (LCP_TREE_FIRST_LEVEL + l))
    for (let b = 0; b < count; b++) out[here + b] = out[child + 2 * b] ^ out[child + 2 * b + 1]
  }
}

/** Flips every stored cell of one record's sketch: the n raw cells, then all W cells of each parity word. */
function flipAll(
  layout: LcpTreeLayout,
  out: Uint32Array,
  outOffset: number,
  flip: (words: Uint32Array, offset: number, nCells: number) => void,
): void {
  flip(out, outOffset, layout.n)
  const nodeWords = layout.wordsPerRecord - layout.rawWords
  if (nodeWords > 0) flip(out, outOffset + layout.rawWords, nodeWords * LCP_TREE_W)
}

/**
 * Query-side prefix parities: P[(d + k)·(blocks + 1) + b] for d ∈ [−k, k], b ∈ [0, blocks].
 * Blocks that do not lie inside B on diagonal d contribute 0: no LCE ever tests them.
 */
function queryPrefixes(layout: LcpTreeLayout, nibble: Uint32Array, k: number, query: Uint32Array): Uint32Array {
  const { n, blocks } = layout
  const stride = blocks + 1
  const nWords = wordsFor(n)
  const p = new Uint32Array((2 * k + 1) * stride)
  for (let d = -k; d <= k; d++) {
    const base = (d + k) * stride
    let acc = 0
    for (let b = 0; b < blocks; b++) {
      const s = b * BLOCK
      if (s + d >= 0 && s + d + BLOCK <= n) acc ^= blockParity(nibble, s, query, 0, nWords, s + d)
      p[base + b + 1] = acc
    }
  }
  return p
}

/**
 * The LCE oracle of the stored records against one prepared query: set `sketch` and `off` (the
 * record's word offset) before each LV run.
 */
class TreeLce implements LceOracle {
  sketch: Uint32Array = new Uint32Array(0)
  off = 0
  readonly n: number
  readonly rawWords: number
  readonly topLevel: number
  readonly levelOffset: Int32Array
  readonly stride: number

  constructor(
    layout: LcpTreeLayout,
    readonly k: number,
    readonly prefixes: Uint32Array,
    readonly queryWindows: Int32Array,
  ) {
    this.n = layout.n
    this.rawWords = layout.rawWords
    this.topLevel = layout.topLevel
    // Indexed by level j directly (entries below the first level unused).
    this.levelOffset = new Int32Array(Math.max(0, layout.topLevel + 1))
    layout.levelOffset.forEach((o, l) => (this.levelOffset[LCP_TREE_FIRST_LEVEL + l] = o))
    this.stride = layout.blocks + 1
  }

  lce(x: number, d: number): number {
    const n = this.n
    const lim = d > 0 ? n - d : n
    if (x >= lim) return 0
    const sketch = this.sketch
    const off = this.off
    const windows = this.queryWindows
    let pos = x
    // Raw bits up to the next 64-bit boundary.
    let end = (pos + BLOCK - 1) & ~(BLOCK - 1)
    if (end > lim) end = lim
    if (end > pos) {
      // Fast path for the common case (wrong diagonals): a raw mismatch in the first 32 bits.
      const w = x >>> 5
      const shift = x & 31
      let word = sketch[off + w]
      if (shift !== 0) word = (word << shift) | (w + 1 < this.rawWords ? sketch[off + w + 1] >>> (32 - shift) : 0)
      const diff = word ^ windows[x + d]
      if (diff !== 0) {
        const l = Math.clz32(diff)
        if (x + l < end) return l
      }
      const l = windowedLce(sketch, off, n, windows, n, pos, pos + d, end)
      if (pos + l < end) return pos + l - x
      pos = end
    }
    if (pos + BLOCK <= lim) {
      const prefixes = this.prefixes
      const levelOffset = this.levelOffset
      const top = this.topLevel
      const pBase = (d + this.k) * this.stride
      // Ascend: test the largest aligned block that fits, move on while equal.
      let j = LCP_TREE_FIRST_LEVEL
      while (j < top && (pos & ((2 << j) - 1)) === 0 && pos + (2 << j) <= lim) j++
      while (
        pos + (1 << j) <= lim &&
        (sketch[off + levelOffset[j] + (pos >>> j)] ^
          prefixes[pBase + ((pos + (1 << j)) >>> LCP_TREE_FIRST_LEVEL)] ^
          prefixes[pBase + (pos >>> LCP_TREE_FIRST_LEVEL)]) ===
          0
      ) {
        pos += 1 << j
        while (j < top && (pos & ((2 << j) - 1)) === 0 && pos + (2 << j) <= lim) j++
      }
      // Descend inside the failing (or overhanging) block.
      for (j--; j >= LCP_TREE_FIRST_LEVEL; j--) {
        if (
          pos + (1 << j) <= lim &&
          (sketch[off + levelOffset[j] + (pos >>> j)] ^
            prefixes[pBase + ((pos + (1 << j)) >>> LCP_TREE_FIRST_LEVEL)] ^
            prefixes[pBase + (pos >>> LCP_TREE_FIRST_LEVEL)]) ===
            0
        ) {
          pos += 1 << j
        }
      }
    }
    // Last leaf: raw bits of at most one 64-bit block.
    end = pos + BLOCK < lim ? pos + BLOCK : lim
    return pos + windowedLce(sketch, off, n, windows, n, pos, pos + d, end) - x
  }
}

function checkRequest(req: PlanRequest): void {
  const { n, k, epsilonMicro, unitBits, options } = req
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('n must be a positive integer')
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new RangeError('k must be an integer in [0, n]')
  if (!Number.isSafeInteger(epsilonMicro) || epsilonMicro <= 0) throw new RangeError('epsilon must be positive')
  if (!Number.isSafeInteger(unitBits) || unitBits < 1 || unitBits > n) {
    throw new RangeError('unitBits must be an integer in [1, n]')
  }
  rejectUnknownOptions('lcp-tree', options, [])
}

function hashSeedOf(plan: Plan): string {
  const seed = plan.params.hashSeed
  if (typeof seed !== 'string' || seed.length === 0) throw new RangeError('lcp-tree: plan has no hash seed')
  return seed
}

const calibrationCache = new TableCache<Calibration>(64)

/** Strata of the true distance in the calibration belt: the error grows with the distance. */
export function lcpTreeStrata(k: number): number {
  return Math.min(4, k + 1)
}

function simulate(plan: Plan, pTilde: number): Calibration {
  const { n, k } = plan
  const layout = lcpTreeLayout(n)
  const { nibble } = hashTables(n, hashSeedOf(plan))
  // A record costs about 2n (strings, planted edits, sketch) plus LV, ≤ (k+1)² oracle calls of up to
  // 2·(#levels + 1) tests; 8 000 records at n = 4 096 (2 000 per distance stratum), fewer for long
  // strings or large k, none when too few would fit (then intervals are the wide promise interval).
  // 50 records per simulated query.
  const samples = calibrationSamples(2 ** 29, 2 * n + 4 * (k + 1) ** 2 * (layout.levels + 1), 8000)
  const perQuery = 50
  const rng = syntheticRng(`${LCP_TREE_CALIBRATION_SEED}/${n}/${k}/${pTilde}/${hashSeedOf(plan)}`)
  const flip = (words: Uint32Array, offset: number, nCells: number): void => {
    simulateFlips(words, offset, nCells, pTilde, rng)
  }
  const belt = new BeltBuilder(k, lcpTreeStrata(k))
  const sketch = new Uint32Array(layout.wordsPerRecord)
  let query: Uint32Array = new Uint32Array(0)
  let oracle: TreeLce | null = null
  let sum = 0
  let sum2 = 0
  for (let s = 0; s < samples; s++) {
    if (s % perQuery === 0 || oracle === null) {
      query = syntheticString(n, rng)
      oracle = new TreeLce(layout, k, queryPrefixes(layout, nibble, k, query), stringWindows(query, 0, n))
      oracle.sketch = sketch
    }
    const record = plantEdits(query, n, s % (k + 1), rng, s % 2 === 0)
    const truth = editDistanceLV(record, n, query, n, k)
    if (truth === null) throw new Error('calibration: planted edits exceeded their budget')
    lcpTreeCleanSketch(layout, nibble, record, 0, sketch, 0)
    flipAll(layout, sketch, 0, flip)
    // Above k counts as the estimate k + 1, exactly as prepareQuery reports it.
    const g = (landauVishkin(n, n, k, oracle) ?? k + 1) - truth
    belt.add(truth, g)
    sum += g
    sum2 += g * g
  }
  const meanError = samples > 0 ? sum / samples : 0
  const sdError = samples > 1 ? Math.sqrt(Math.max(0, (sum2 - samples * meanError * meanError) / (samples - 1))) : 0
  return { n, k, pTilde, hashSeed: hashSeedOf(plan), samples, belt: belt.tables(), meanError, sdError }
}

export const lcpTree: SketchMechanism = {
  name: 'lcp-tree',
  metric: 'edit',

  plan(req: PlanRequest, hashSeed: string): Plan {
    checkRequest(req)
    if (typeof hashSeed !== 'string' || hashSeed.length === 0) throw new RangeError('lcp-tree needs a hash seed')
    const { n, k, epsilonMicro, unitBits } = req
    const layout = lcpTreeLayout(n)
    if ((2 * k + 1) * (layout.blocks + 1) > MAX_PREFIX_WORDS) {
      throw new RangeError('lcp-tree: k too large for n (the per-query diagonal tables would exceed 128 MiB)')
    }
    const delta = unitBits * (1 + layout.levels)
    const flip = flipProbability(epsilonMicro, delta)
    const epsilon = epsilonMicro / 1e6
    const needed = lcpTreeReliableEpsilon(n, k, delta)
    const reliable = epsilon >= needed
    // Rough error model. Noise: a test fails on the optimal path with probability about
    // p̃·(2·W·#levels + 2·64) per LCE (node words on the way up and down, two raw leaves), one LCE per
    // edit plus one, each failure about one edit (Poisson). Cancellation, for the unfavourable case of
    // d isolated mismatches: a block of level j holds exactly two with probability λ²e^{−λ}/2,
    // λ = d·2^j/n, and they cancel with probability 1/W, costing two edits.
    const perLce = flip.pTilde * (2 * LCP_TREE_W * layout.levels + 2 * BLOCK)
    const sdAt = (d: number): number => {
      let pairs = 0
      for (let j = LCP_TREE_FIRST_LEVEL; j <= layout.topLevel; j++) {
        const lambda = (d * 2 ** j) / n
        pairs += Math.floor(n / 2 ** j) * ((lambda * lambda * Math.exp(-lambda)) / 2)
      }
      const cancel = 1 - Math.exp(-pairs / LCP_TREE_W)
      return Math.min(k, Math.sqrt((d + 1) * perLce + 4 * cancel * (1 - cancel)))
    }
    const notes = [
      `stores the noisy bits plus ${layout.levels} levels of ${LCP_TREE_W}-cell parity words ` +
        `(${layout.wordsPerRecord * 4} bytes per record); one protected bit touches ${1 + layout.levels} cells`,
      `each cell is flipped with probability ${flip.pTilde.toPrecision(3)}`,
    ]
    if (!reliable) {
      notes.push(
        `unreliable: ε = ${epsilon} is below ${needed.toFixed(1)}, the ε at which every one of the up to ` +
          `2(J+1)(k+1)² equality tests of a query is correct with probability 1 − ${LCP_TREE_ALPHA} ` +
          `(ε/Δ ≥ ln(W·2(J+1)(k+1)²/α)); estimates may be off by several edits and carry status "unreliable"`,
      )
    }
    return {
      mechanism: 'lcp-tree',
      metric: 'edit',
      n,
      k,
      epsilonMicro,
      unitBits,
      params: {
        hashSeed,
        cellsPerWord: LCP_TREE_W,
        firstLevel: LCP_TREE_FIRST_LEVEL,
        topLevel: layout.topLevel,
        reliableEpsilon: needed,
        alpha: LCP_TREE_ALPHA,
      },
      delta,
      wordsPerRecord: layout.wordsPerRecord,
      predictedSd: { atZero: sdAt(0), atHalfK: sdAt(k / 2), atK: sdAt(k) },
      reliable,
      notes,
    }
  },

  builder(plan: Plan, flip: FlipProbability, noise: NoiseSource): RecordBuilder {
    if (flip.delta !== plan.delta || flip.epsilonMicro !== plan.epsilonMicro) {
      throw new RangeError('lcp-tree: flip probability does not match the plan')
    }
    const layout = lcpTreeLayout(plan.n)
    const { nibble } = hashTables(plan.n, hashSeedOf(plan))
    const rr = (words: Uint32Array, offset: number, nCells: number): void => {
      randomizedResponse(words, offset, nCells, flip, noise)
    }
    return (record, recordOffset, out, outOffset) => {
      lcpTreeCleanSketch(layout, nibble, record, recordOffset, out, outOffset)
      flipAll(layout, out, outOffset, rr)
    }
  },

  calibrate(plan: Plan, pTilde: number): Calibration {
    if (!(pTilde > 0 && pTilde <= 0.5)) throw new RangeError('pTilde must be in (0, 1/2]')
    return calibrationCache.get(`${plan.n}|${plan.k}|${pTilde}|${hashSeedOf(plan)}`, () => simulate(plan, pTilde))
  },

  prepareQuery(plan: Plan, pTilde: number, calibration: Calibration, query: Uint32Array, options: QueryOptions): RecordEstimator {
    const { n, k } = plan
    if (query.length < wordsFor(n)) throw new RangeError(`query must have ${n} bits`)
    if (calibrationNumber(calibration, 'pTilde') !== pTilde || calibrationNumber(calibration, 'n') !== n) {
      throw new RangeError('lcp-tree: calibration does not match the sketch')
    }
    const layout = lcpTreeLayout(n)
    const { nibble } = hashTables(n, hashSeedOf(plan))
    const oracle = new TreeLce(layout, k, queryPrefixes(layout, nibble, k, query), stringWindows(query, 0, n))
    const level = 1 - intervalAlpha(options)
    const belt = prepareBelt(readBelt(calibration.belt), k, n, level)
    const unreliable = !plan.reliable
    const clip = (x: number): number => (x < 0 ? 0 : x > n ? n : x)
    return (sketch: Uint32Array, offset: number): Estimate => {
      oracle.sketch = sketch
      oracle.off = offset
      const r = landauVishkin(n, n, k, oracle)
      const estimate = r ?? Math.min(k + 1, n)
      const interval = belt === null ? null : beltInterval(belt, estimate)
      let ciLow: number
      let ciHigh: number
      if (interval !== null) {
        ciLow = clip(interval[0])
        ciHigh = r === null ? n : clip(interval[1])
      } else {
        // Beyond the table: the honest interval under the promise ED ≤ k.
        ciLow = 0
        ciHigh = r === null ? n : k
      }
      return { estimate, ciLow, ciHigh, status: unreliable ? 'unreliable' : r === null ? 'above_k' : 'ok' }
    }
  },
}
