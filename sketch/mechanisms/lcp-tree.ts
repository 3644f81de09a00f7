/**
 * Mechanism `lcp-tree` (edit distance, the paper's approach; paper-notes §3.2 and §5.5, variant E0):
 * Landau–Vishkin whose longest-common-extension queries are answered from private dyadic equality
 * sketches, so a query costs O(k²·log n) word operations per record, sublinear in n.
 *
 * Public parameters: W = 32 cells per parity word; a table cellOf[x] ∈ [0, W) for every position x,
 * expanded from the public hash seed with seedrandom and shared by all records and levels (an
 * independent random permutation of the W cells for each aligned group of W positions: two positions
 * of one group never share a cell, so mismatches close together cannot cancel in a parity word);
 * the level stride s (plan option levelStride ∈ [1, 4], default 4; plans from before it existed
 * have s = 1): stored levels j = j0, j0 + s, j0 + 2s, … ≤ J with j0 = log2(W) + 1 = 6 and
 * J = ⌊log2 n⌋ (the top level with a full block). s = 1 stores every dyadic level, as in the paper.
 *
 * Why a stride (our extension of the paper): every stored level adds one cell per position to Δ,
 * and the flip probability 1/(1 + e^{ε/Δ}) falls exponentially in ε/Δ. Storing every 4th level
 * instead of every level cuts Δ at n = 4096 from 8 to 3 (p̃ at ε = 60: 5.5·10⁻⁴ → 2·10⁻⁹) and at
 * n = 65536 from 12 to 4 (6.7·10⁻³ → 3·10⁻⁷); a descent then tests up to 2^s − 1 sibling blocks
 * per stored level instead of one, which are adjacent words (one cache line), so a query costs
 * about the same and the records are smaller. Measured with bench/edit's data (n = 4096, k = 32,
 * ε = 60): mean absolute error 0.70 with every level, 0.05 with s = 4; at n = 65536: 8.1 → 0.08.
 *
 * Stored per record, all cells flipped with p̃ ≥ p = 1/(1 + e^{ε/Δ}) (privacy/randomized-response.ts):
 *   (a) the raw bits Ã = A ⊕ noise (one cell per position), used for blocks of ≤ 64 bits;
 *   (b) for each stored level j and each full aligned block [b, b + 2^j): the W-cell parity word
 *       node_j[b >> j] = ⊕_{x in block, A[x] = 1} e_{cellOf[x]}.
 * One position touches 1 raw cell and at most one cell per stored level, so a protected change of
 * unitBits positions toggles at most Δ = unitBits·(1 + #stored levels) cells for every hash seed
 * (n = 4096: Δ = 3 per bit at s = 4, 8 at s = 1). Space ≈ n·(1 + 1/(2 − 2^{1−s})) bits per record
 * (2n at s = 1, about 1.5n at s = 4).
 *
 * Word order in a record: new plans (params.layout = 'interleaved') store each 64-bit block's two raw
 * words followed by its level-6 word (raw word w at w + ⌊w/2⌋, level-6 word b at 3b + 2), then the
 * higher levels; plans from before store the raw words, then each level. Why: an LCE that descends to
 * a mismatch reads the level-6 words of the failing block and then the raw bits there, one load
 * waiting for the other; side by side they share cache lines, so a record not in cache costs one
 * dependent memory access less per edit (n = 65 536: 9.0 → 8.2 µs per record, same answers). The
 * cells, their noise and every answer are the same in both orders.
 *
 * Query side (B in the clear), built once per query in prepareQuery and shared by all records: for
 * each diagonal d ∈ [−⌊k/2⌋, ⌊k/2⌋] (the only ones LV visits on two strings of length n: |d| ≤ r
 * and |d| ≤ k − r) the prefix XOR P_d[b] = ⊕ of B's parity words of the A-blocks [64c, 64c + 64),
 * c < b, each read on B at positions 64c + d … (zero when outside B), with cells by A-position
 * cellOf. B's word for the A-block [s, s + 2^j) is P_d[(s + 2^j)/64] ⊕ P_d[s/64]. The table is built
 * 32 diagonals at a time with a bit-matrix transpose (queryPrefixes); LV runs in a loop specialised
 * to this oracle (TreeLce.run). Neither changes any answer: test/sketch/lcp-tree-query.test.ts
 * compares both with a direct implementation of the definitions below.
 *
 * EQ(j, b, d) is "node_j[b >> j] ⊕ B's word = 0" (threshold 0). LCE(x, d) follows paper-notes §5.5:
 * ascend over aligned stored blocks while they test equal, then descend to the first failing leaf:
 * at each stored level below, move past the 2^s sub-blocks of the failing block while they test
 * equal (the last one is not tested: if the others pass, the failure is there).
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
 * ≤ T tests with probability 1 − α only when ε/Δ ≥ ln(W·T/α), T = 2^s·⌈(⌈log2 n⌉+1)/s⌉·(k+1)²
 * (the paper's 2(⌈log2 n⌉+1)(k+1)² at s = 1); we use α = 0.05. Below that, plan.reliable = false
 * and every estimate has status `unreliable`.
 *
 * Estimate: r − μ̂, the LV result r debiased by the simulated mean error μ̂ of G = r − ED(A, B)
 * (clipped to [0, n]); k + 1 when above k (a lower bound). Not an integer in general, which lets a
 * randomized interval exclude r itself while containing the estimate (at ε ≥ 80, G = 0 for 98–99 %
 * of records with local edits, so any interval containing an integer estimate r would cover ≥ 98 %).
 * Intervals: a randomized confidence belt (sketch/stats/edit-calibration.ts) over Monte-Carlo tables of G
 * per stratum of the true distance (the error grows with it) and per edit pattern (isolated
 * substitutions: the most parity cancellations; local edits: the fewest), simulated with this plan's
 * cellOf table, p̃ and k. Exact simulated coverage for the equal mixture of the patterns, balanced
 * between them; the boundary values of each region count only when the record's public uniform U (a
 * hash of the plan's public parameters and hash seed, the query bits and the record ordinal
 * offset / wordsPerRecord) is below their probabilities, so answers are reproducible. When the level
 * is too extreme for the tables (Bonferroni over many records) or r falls outside every acceptance
 * region, the honest interval under the paper's promise ED ≤ k: [0, k] ([0, n] above k), widened to
 * contain the estimate.
 */
import seedrandom from 'seedrandom'
import type { FlipProbability } from '../../privacy/randomized-response.js'
import { flipProbability, randomizedResponse } from '../../privacy/randomized-response.js'
import type { NoiseSource } from '../../privacy/noise-source.js'
import { wordsFor } from '../bits.js'
import { TableCache } from '../hash-tables.js'
import { intervalAlpha } from '../stats/intervals.js'
import {
  BeltBuilder,
  ISOLATED_PATTERN,
  LOCAL_PATTERN,
  beltInterval,
  beltUniforms,
  calibrationNumber,
  calibrationSamples,
  plantEdits,
  preparedBeltOf,
  simulateFlips,
  syntheticRng,
  syntheticString,
} from '../stats/edit-calibration.js'
import type { LceOracle } from '../exact/landau-vishkin.js'
import { editDistanceLV, windowAt } from '../exact/landau-vishkin.js'
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
/**
 * Bound on (2k + 1)·(⌊n/64⌋ + 1) words (128 MiB), which caps the per-query prefix table (it holds
 * 2⌊k/2⌋ + 1 rows of ⌊n/64⌋ + 1 words, about half of that).
 */
const MAX_PREFIX_WORDS = 2 ** 25
/** Public seed of the calibration simulation (synthetic data, not privacy noise). */
export const LCP_TREE_CALIBRATION_SEED = 'dpdist/lcp-tree/calibration/v1'

/** Largest level stride a plan may ask for (descents then test up to 2^4 − 1 = 15 sub-blocks per level). */
export const LCP_TREE_MAX_STRIDE = 4
/** Level stride of new plans (see the header: Δ = 1 + #levels, so fewer levels mean much less noise). */
export const LCP_TREE_DEFAULT_STRIDE = 4

/** Word layout of one stored record. */
export interface LcpTreeLayout {
  n: number
  rawWords: number
  /** Highest level with a full block (⌊log2 n⌋), or FIRST_LEVEL − 1 when there is none. */
  topLevel: number
  /** Stored levels are FIRST_LEVEL, FIRST_LEVEL + stride, … ≤ topLevel. */
  stride: number
  /** Number of stored levels (0 when n < 64). */
  levels: number
  /** Highest stored level (FIRST_LEVEL − 1 when there is none). */
  topStored: number
  /**
   * levelOffset[i] = first word of stored level FIRST_LEVEL + i·stride, relative to the record; its
   * words follow each other, except the first level's in an interleaved layout (levelStep).
   */
  levelOffset: number[]
  /**
   * Interleaved layout: each 64-bit block's two raw words are followed by its level-6 word (raw word
   * w at w + ⌊w/2⌋, level-6 word b at 3b + 2), then the higher levels. Otherwise the raw words, then
   * every level, each contiguous.
   */
  interleaved: boolean
  /** Words from one first-level word to the next: 3 interleaved, else 1. */
  levelStep: number
  /** Words of the raw region (with the first level's words when interleaved). */
  rawSpan: number
  /** Stored cells: n raw cells and W per parity word (unused slots and padding bits are not cells). */
  cells: number
  /** Full 64-bit blocks: ⌊n / 64⌋. */
  blocks: number
  wordsPerRecord: number
}

export function lcpTreeLayout(n: number, stride = 1, interleave = false): LcpTreeLayout {
  if (!Number.isSafeInteger(stride) || stride < 1 || stride > LCP_TREE_MAX_STRIDE) throw new RangeError(`lcp-tree: level stride must be an integer in [1, ${LCP_TREE_MAX_STRIDE}]`)
  const rawWords = wordsFor(n)
  const topLevel = n >= BLOCK ? Math.floor(Math.log2(n)) : LCP_TREE_FIRST_LEVEL - 1
  const interleaved = interleave && topLevel >= LCP_TREE_FIRST_LEVEL
  const rawSpan = interleaved ? 3 * Math.ceil(rawWords / 2) : rawWords
  const levelOffset: number[] = []
  let words = rawSpan
  let topStored = LCP_TREE_FIRST_LEVEL - 1
  for (let j = LCP_TREE_FIRST_LEVEL; j <= topLevel; j += stride) {
    if (interleaved && j === LCP_TREE_FIRST_LEVEL) {
      levelOffset.push(2)
    } else {
      levelOffset.push(words)
      words += Math.floor(n / 2 ** j)
    }
    topStored = j
  }
  return {
    n,
    rawWords,
    topLevel,
    stride,
    interleaved,
    levelStep: interleaved ? 3 : 1,
    rawSpan,
    cells: n + LCP_TREE_W * (words - rawSpan + (interleaved ? Math.floor(n / BLOCK) : 0)),
    levels: levelOffset.length,
    topStored,
    levelOffset,
    blocks: Math.floor(n / BLOCK),
    wordsPerRecord: words,
  }
}

/** Where raw word w of a record is stored, relative to the record. */
export function lcpTreeRawWordAt(layout: LcpTreeLayout, w: number): number {
  return layout.interleaved ? w + (w >>> 1) : w
}

/**
 * ε needed for the reliability condition ε/Δ ≥ ln(W·T/α), T = 2^s·⌈(J+1)/s⌉·(k+1)² tests per query
 * (J = ⌈log2 n⌉, s the level stride: one test per level on the way up, up to 2^s − 1 on the way
 * down; s = 1 gives the paper's 2(J+1)(k+1)²).
 */
export function lcpTreeReliableEpsilon(n: number, k: number, delta: number, stride = 1): number {
  const J = Math.ceil(Math.log2(Math.max(2, n)))
  const tests = 2 ** stride * Math.ceil((J + 1) / stride) * (k + 1) ** 2
  return delta * Math.log((LCP_TREE_W * tests) / LCP_TREE_ALPHA)
}

/** Public hash tables expanded from the seed: cellOf and the lookups used to build parity words. */
interface HashTables {
  cellOf: Uint8Array
  /** nibble[(x/4)·16 + v] = ⊕ e_{cellOf[x + q]} over bits q of the nibble v (MSB = position x). */
  nibble: Uint32Array
  /**
   * The inverse permutation of each full group: slotOf[g + c] = x − g for the position x of the
   * group starting at g with cellOf[x] = c (0 in a final partial group, never read there).
   */
  slotOf: Uint8Array
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
    const slotOf = new Uint8Array(Math.ceil(n / LCP_TREE_W) * LCP_TREE_W)
    for (let g = 0; g + LCP_TREE_W <= n; g += LCP_TREE_W) {
      for (let c = 0; c < LCP_TREE_W; c++) slotOf[g + cellOf[g + c]] = c
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
    return { cellOf, nibble, slotOf }
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
  const { n, rawWords, levelOffset, levelStep } = layout
  for (let w = 0; w < rawWords; w++) out[outOffset + lcpTreeRawWordAt(layout, w)] = record[recordOffset + w]
  const used = n & 31
  if (used !== 0) out[outOffset + lcpTreeRawWordAt(layout, rawWords - 1)] &= -1 << (32 - used)
  if (layout.levels === 0) return
  // The first level from the record itself (every full 64-bit block lies inside the string).
  const first = outOffset + levelOffset[0]
  for (let b = 0; b < layout.blocks; b++) {
    out[first + b * levelStep] = blockParity(nibble, b * BLOCK, record, recordOffset, rawWords, b * BLOCK)
  }
  // Each stored level from the one below it: a block's word is the XOR of its 2^stride sub-blocks' words.
  const fan = 2 ** layout.stride
  for (let l = 1; l < layout.levels; l++) {
    const child = outOffset + levelOffset[l - 1]
    const childStep = l === 1 ? levelStep : 1
    const here = outOffset + levelOffset[l]
    const count = Math.floor(n / 2 ** (LCP_TREE_FIRST_LEVEL + l * layout.stride))
    for (let b = 0; b < count; b++) {
      let acc = 0
      for (let c = 0; c < fan; c++) acc ^= out[child + (fan * b + c) * childStep]
      out[here + b] = acc
    }
  }
}

/** Flips every stored cell of one record's sketch: the n raw cells, then all W cells of each parity word. */
function flipAll(
  layout: LcpTreeLayout,
  out: Uint32Array,
  outOffset: number,
  flip: (words: Uint32Array, offset: number, nCells: number) => void,
): void {
  if (layout.interleaved) {
    // the full blocks' triples (64 raw cells and a 32-cell word each), then the raw tail
    flip(out, outOffset, layout.blocks * (BLOCK + LCP_TREE_W))
    const tail = layout.n - layout.blocks * BLOCK
    if (tail > 0) flip(out, outOffset + 3 * layout.blocks, tail)
  } else {
    flip(out, outOffset, layout.n)
  }
  const nodeWords = layout.wordsPerRecord - layout.rawSpan
  if (nodeWords > 0) flip(out, outOffset + layout.rawSpan, nodeWords * LCP_TREE_W)
}

/**
 * In-place transpose of a 32×32 bit matrix with MSB-first rows: afterwards bit 31 − j of a[i] is the
 * old bit 31 − i of a[j] (Hacker's Delight §7-3, five rounds of masked swaps).
 */
function transpose32(a: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const t = (a[i] ^ (a[i + 16] >>> 16)) & 0x0000ffff
    a[i] ^= t
    a[i + 16] ^= t << 16
  }
  for (let base = 0; base < 32; base += 16) {
    for (let i = base; i < base + 8; i++) {
      const t = (a[i] ^ (a[i + 8] >>> 8)) & 0x00ff00ff
      a[i] ^= t
      a[i + 8] ^= t << 8
    }
  }
  for (let base = 0; base < 32; base += 8) {
    for (let i = base; i < base + 4; i++) {
      const t = (a[i] ^ (a[i + 4] >>> 4)) & 0x0f0f0f0f
      a[i] ^= t
      a[i + 4] ^= t << 4
    }
  }
  for (let i = 0; i < 32; i += 4) {
    let t = (a[i] ^ (a[i + 2] >>> 2)) & 0x33333333
    a[i] ^= t
    a[i + 2] ^= t << 2
    t = (a[i + 1] ^ (a[i + 3] >>> 2)) & 0x33333333
    a[i + 1] ^= t
    a[i + 3] ^= t << 2
  }
  for (let i = 0; i < 32; i += 2) {
    const t = (a[i] ^ (a[i + 1] >>> 1)) & 0x55555555
    a[i] ^= t
    a[i + 1] ^= t << 1
  }
}

/**
 * The 32 bits of a string from bit y (0 ≤ y < its length), from its words with the padding bits
 * cleared and one zero word appended (so bits past the end read as zero).
 */
function paddedWindow(words: Int32Array, y: number): number {
  const w = y >>> 5
  const s = y & 31
  return s === 0 ? words[w] : (words[w] << s) | (words[w + 1] >>> (32 - s))
}

/**
 * Query-side prefix parities for the diagonals d ∈ [−h, h]: P[b·(2h + 1) + d + h] is the XOR of
 * B's parity words of the A-blocks c < b on diagonal d. Block-major: Landau–Vishkin tests all its
 * diagonals at nearly the same positions, so their entries share cache lines (diagonal-major rows
 * made every diagonal a different line: 20 % more time per record at n = 65536). Blocks that do
 * not lie inside B on diagonal d contribute 0: no LCE ever tests them.
 *
 * Built 32 diagonals at a time. Each full group of W = 32 positions holds every cell exactly once,
 * so bit c of B's word for the block [s, s + 64) on diagonal d is B[x₀ + d] ⊕ B[x₁ + d], where x₀
 * and x₁ are the positions of cell c in the block's two groups. Row c = the 32-bit window of B at
 * x₀ + d₀ XOR the one at x₁ + d₀ holds that bit for the 32 diagonals d₀ … d₀ + 31 (MSB first), and
 * one bit-matrix transpose turns the 32 rows into the 32 diagonals' words: about 20 operations per
 * word instead of the 16 table look-ups of blockParity. Blocks near the ends of B (not inside B on
 * every diagonal of the chunk) and short chunks take blockParity per diagonal.
 */
function queryPrefixes(layout: LcpTreeLayout, tables: HashTables, h: number, query: Uint32Array, words: Int32Array): Int32Array {
  const { n, blocks, rawWords } = layout
  const { nibble, slotOf } = tables
  const diagonals = 2 * h + 1
  const p = new Int32Array(diagonals * (blocks + 1))
  const rows = new Int32Array(32)
  for (let d0 = -h; d0 <= h; d0 += 32) {
    const count = Math.min(32, h - d0 + 1)
    for (let b = 0; b < blocks; b++) {
      const s = b * BLOCK
      if (count >= 8 && s + d0 >= 0 && s + d0 + count - 1 + BLOCK <= n) {
        // B from s + d0 on, 96 bits in three words. Cell c sits at offset a = slotOf[s + c] of the
        // first group and 32 + e of the second; the window at offset a < 32 of the word pair
        // (hi, lo) is (hi << a) | (lo >>> 1 >>> (31 − a)), with no branch for a = 0.
        const w0 = paddedWindow(words, s + d0)
        const w1 = paddedWindow(words, s + d0 + 32)
        const w2 = paddedWindow(words, s + d0 + 64)
        const lo1 = w1 >>> 1
        const lo2 = w2 >>> 1
        for (let c = 0; c < LCP_TREE_W; c++) {
          const a = slotOf[s + c]
          const e = slotOf[s + LCP_TREE_W + c]
          rows[c] = ((w0 << a) | (lo1 >>> (31 - a))) ^ ((w1 << e) | (lo2 >>> (31 - e)))
        }
        transpose32(rows)
        for (let t = 0; t < count; t++) {
          const at = b * diagonals + d0 + t + h
          p[at + diagonals] = p[at] ^ rows[t]
        }
      } else {
        for (let t = 0; t < count; t++) {
          const d = d0 + t
          const at = b * diagonals + d + h
          const inside = s + d >= 0 && s + d + BLOCK <= n
          p[at + diagonals] = inside ? p[at] ^ blockParity(nibble, s, query, 0, rawWords, s + d) : p[at]
        }
      }
    }
  }
  return p
}

const UNREACHED = -0x40000000

/**
 * One prepared query against the stored records: the query's words, the prefix parities and the
 * Landau–Vishkin state, built once and shared by all records.
 *
 * `run(sketch, offset)` is landauVishkin(n, n, k, this) specialised to this oracle (a property test
 * checks that they agree): one monomorphic class instead of the generic loop's oracle call site
 * (shared by every mechanism), the fast path of the LCE inline, branch-free maxima, reused F
 * arrays, and diagonal 0 evaluated first in each round so that the round that finishes stops
 * there. With equal lengths LV only visits diagonals |d| ≤ min(r, k − r) ≤ ⌊k/2⌋ (Ukkonen's
 * cut-off), so the prefix table covers those. `lce(x, d)` (with `sketch` and `off` set) is the
 * same LCE as an LceOracle for any 0 ≤ x, 0 ≤ x + d, |d| ≤ ⌊k/2⌋.
 */
class TreeLce implements LceOracle {
  sketch: Uint32Array = new Uint32Array(0)
  off = 0
  readonly n: number
  /** Largest |d| in the prefix table: ⌊k/2⌋. */
  readonly h: number
  private readonly rawWords: number
  /** Highest stored level, and the step between stored levels. */
  private readonly top: number
  private readonly levelStride: number
  /** levelOffset[j] = first word of stored level j within a record (other entries unused). */
  private readonly levelOffset: Int32Array
  /** levelStep[j] = words from one level-j word to the next (3 for the first level when interleaved). */
  private readonly levelStep: Int32Array
  /** 1 when raw words are interleaved with first-level words (raw word w at w + ⌊w/2⌋), else 0. */
  private readonly rawGap: number
  /** Entries per block boundary in the prefix table (one per diagonal, 2⌊k/2⌋ + 1). */
  private readonly diagonals: number
  /** The query's words, padding cleared, one zero word appended. */
  private readonly words: Int32Array
  private readonly prefixes: Int32Array
  /** `sketch` as Int32 (signed words stay small integers in the engine), rebuilt when `sketch` changes. */
  private raw: Int32Array = new Int32Array(0)
  private rawOf: Uint32Array | null = null
  private readonly f0: Int32Array
  private readonly f1: Int32Array

  constructor(
    layout: LcpTreeLayout,
    readonly k: number,
    tables: HashTables,
    query: Uint32Array,
  ) {
    const n = layout.n
    this.n = n
    this.h = k >>> 1
    this.rawWords = layout.rawWords
    this.top = layout.topStored
    this.levelStride = layout.stride
    this.levelOffset = new Int32Array(Math.max(0, layout.topLevel + 1))
    layout.levelOffset.forEach((o, l) => (this.levelOffset[LCP_TREE_FIRST_LEVEL + l * layout.stride] = o))
    this.levelStep = new Int32Array(Math.max(0, layout.topLevel + 1)).fill(1)
    if (layout.levels > 0) this.levelStep[LCP_TREE_FIRST_LEVEL] = layout.levelStep
    this.rawGap = layout.interleaved ? 1 : 0
    this.diagonals = 2 * this.h + 1
    const words = new Int32Array(layout.rawWords + 1)
    for (let w = 0; w < layout.rawWords; w++) words[w] = query[w]
    if ((n & 31) !== 0) words[layout.rawWords - 1] &= -1 << (32 - (n & 31))
    this.words = words
    this.prefixes = queryPrefixes(layout, tables, this.h, query, words)
    // F values for diagonals −k−1 … k+1, index d + k + 1, as in landauVishkin.
    this.f0 = new Int32Array(2 * k + 3)
    this.f1 = new Int32Array(2 * k + 3)
  }

  private bind(): void {
    if (this.sketch !== this.rawOf) {
      this.rawOf = this.sketch
      this.raw = new Int32Array(this.sketch.buffer, this.sketch.byteOffset, this.sketch.length)
    }
  }

  /** The 32 noisy raw bits of the bound record from bit x (zeros past its last word), in either word order. */
  private rawWindow(x: number): number {
    const raw = this.raw
    const gap = this.rawGap
    const w = x >>> 5
    const s = x & 31
    const a = raw[this.off + w + (w >>> 1) * gap]
    if (s === 0) return a
    return (a << s) | (w + 1 < this.rawWords ? raw[this.off + w + 1 + ((w + 1) >>> 1) * gap] >>> (32 - s) : 0)
  }

  /** Common prefix of the raw bits Ã[pos, end) and B[pos + d, …), end ≤ min(n, n − d). */
  private rawLce(pos: number, d: number, end: number): number {
    const words = this.words
    let x = pos
    while (x < end) {
      const diff = this.rawWindow(x) ^ paddedWindow(words, x + d)
      if (diff !== 0) {
        x += Math.clz32(diff)
        return x < end ? x - pos : end - pos
      }
      x += 32
    }
    return end - pos
  }

  lce(x: number, d: number): number {
    if (d < -this.h || d > this.h) throw new RangeError(`lcp-tree: diagonal ${d} outside ±${this.h}`)
    this.bind()
    return this.extension(x, d)
  }

  /** LCE(x, d) on the bound record (see the file header). */
  private extension(x: number, d: number): number {
    const n = this.n
    const lim = d > 0 ? n - d : n
    if (x >= lim) return 0
    let pos = x
    // Raw bits up to the next 64-bit boundary.
    let end = (pos + BLOCK - 1) & ~(BLOCK - 1)
    if (end > lim) end = lim
    if (end > pos) {
      const l = this.rawLce(pos, d, end)
      if (pos + l < end) return l
      pos = end
    }
    if (pos + BLOCK <= lim) {
      const pBase = d + this.h
      const top = this.top
      const step = this.levelStride
      // Ascend: test the largest aligned stored block that fits, move on while equal.
      let j = LCP_TREE_FIRST_LEVEL
      while (j + step <= top && (pos & ((1 << (j + step)) - 1)) === 0 && pos + (1 << (j + step)) <= lim) j += step
      while (pos + (1 << j) <= lim && this.equal(j, pos, pBase)) {
        pos += 1 << j
        while (j + step <= top && (pos & ((1 << (j + step)) - 1)) === 0 && pos + (1 << (j + step)) <= lim) j += step
      }
      // Descend inside the failing (or overhanging) block: at each stored level below, move past its
      // 2^stride sub-blocks while they test equal; the last one is not tested (the failure is there
      // if the others pass). With stride 1 that is one test per level, the paper's descent.
      const fan = 1 << step
      for (j -= step; j >= LCP_TREE_FIRST_LEVEL; j -= step) {
        const size = 1 << j
        for (let t = 1; t < fan && pos + size <= lim && this.equal(j, pos, pBase); t++) pos += size
      }
    }
    // Last leaf: raw bits of at most one 64-bit block.
    end = pos + BLOCK < lim ? pos + BLOCK : lim
    return pos + this.rawLce(pos, d, end) - x
  }

  /** EQ(j, pos, d): the stored word of the level-j block at pos against B's word on the diagonal (column = d + ⌊k/2⌋). */
  private equal(j: number, pos: number, column: number): boolean {
    const prefixes = this.prefixes
    const D = this.diagonals
    return (this.raw[this.off + this.levelOffset[j] + (pos >>> j) * this.levelStep[j]] ^ prefixes[((pos + (1 << j)) >>> LCP_TREE_FIRST_LEVEL) * D + column] ^ prefixes[(pos >>> LCP_TREE_FIRST_LEVEL) * D + column]) === 0
  }

  /**
   * i + LCE(i, d) on the bound record. Inline fast path for the common case (wrong diagonals): a raw
   * mismatch within the first 32 bits, before the next 64-bit boundary; otherwise the full LCE.
   */
  private slide(i: number, d: number): number {
    const n = this.n
    const lim = d > 0 ? n - d : n
    if (i >= lim) return i
    const diff = this.rawWindow(i) ^ paddedWindow(this.words, i + d)
    let end = (i + BLOCK - 1) & ~(BLOCK - 1)
    if (end > lim) end = lim
    const l = Math.clz32(diff)
    return diff !== 0 && i + l < end ? i + l : i + this.extension(i, d)
  }

  /**
   * Round r of LV on diagonal d (landauVishkin's loop body): the start row from the previous round
   * (substitution, insertion, deletion; maxima without branches: the F values are far from
   * overflow), clamped to the strings, then the slide. An unreached cell is left as it is.
   */
  private step(r: number, d: number, prev: Int32Array, cur: Int32Array): void {
    const at = d + this.k + 1
    let i = 0
    if (r > 0) {
      const sub = prev[at] + 1
      const ins = prev[at - 1]
      const del = prev[at + 1] + 1
      let t = sub - ins
      i = sub - (t & (t >> 31))
      t = i - del
      i -= t & (t >> 31)
      if (i < 0) return
    }
    const n = this.n
    if (i > n) i = n
    if (i > n - d) i = n - d
    cur[at] = this.slide(i, d)
  }

  /** landauVishkin(n, n, k, oracle) for the record at `offset` of `sketch`: the distance if ≤ k, else null. */
  run(sketch: Uint32Array, offset: number): number | null {
    this.sketch = sketch
    this.off = offset
    this.bind()
    const n = this.n
    const k = this.k
    let prev = this.f0.fill(UNREACHED)
    let cur = this.f1.fill(UNREACHED)
    for (let r = 0; r <= k; r++) {
      const band = Math.min(r, k - r, n)
      // Diagonal 0 first: once it reaches the end, r is the answer and the rest of the round is moot.
      this.step(r, 0, prev, cur)
      if (cur[k + 1] >= n) return r
      for (let d = -band; d < 0; d++) this.step(r, d, prev, cur)
      for (let d = 1; d <= band; d++) this.step(r, d, prev, cur)
      // As in landauVishkin: cells a round does not write keep values of earlier rounds.
      const t = prev
      prev = cur
      cur = t
    }
    return null
  }
}

/** A prepared query of lcp-tree without the intervals: its LCE oracle and its LV (see TreeLce). */
export interface LcpTreeOracle extends LceOracle {
  /** The record array and word offset `lce` reads (`run` sets both). */
  sketch: Uint32Array
  off: number
  /** Landau–Vishkin with cap k of the record at `offset` against the query: the estimate, or null above k. */
  run(sketch: Uint32Array, offset: number): number | null
}

/** The query machinery prepareQuery uses, on its own (exported for the equivalence tests). */
export function lcpTreeOracle(n: number, k: number, hashSeed: string, query: Uint32Array, stride = 1, interleave = false): LcpTreeOracle {
  if (query.length < wordsFor(n)) throw new RangeError(`query must have ${n} bits`)
  return new TreeLce(lcpTreeLayout(n, stride, interleave), k, hashTables(n, hashSeed), query)
}

function checkRequest(req: PlanRequest): void {
  const { n, k, epsilonMicro, unitBits, options } = req
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('n must be a positive integer')
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new RangeError('k must be an integer in [0, n]')
  if (!Number.isSafeInteger(epsilonMicro) || epsilonMicro <= 0) throw new RangeError('epsilon must be positive')
  if (!Number.isSafeInteger(unitBits) || unitBits < 1 || unitBits > n) {
    throw new RangeError('unitBits must be an integer in [1, n]')
  }
  rejectUnknownOptions('lcp-tree', options, ['levelStride'])
  const stride = options.levelStride
  if (stride !== undefined && (!Number.isSafeInteger(stride) || (stride as number) < 1 || (stride as number) > LCP_TREE_MAX_STRIDE)) {
    throw new RangeError(`lcp-tree: levelStride must be an integer in [1, ${LCP_TREE_MAX_STRIDE}]`)
  }
}

/** The plan's record layout: interleaved for plans that say so; plans made before it existed are not. */
export function lcpTreeLayoutOf(plan: Plan): LcpTreeLayout {
  return lcpTreeLayout(plan.n, strideOf(plan), plan.params.layout === 'interleaved')
}

/** The plan's level stride; plans made before strides existed store every level (stride 1). */
function strideOf(plan: Plan): number {
  const stride = plan.params.levelStride
  return stride === undefined ? 1 : (stride as number)
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
  const layout = lcpTreeLayoutOf(plan)
  const tables = hashTables(n, hashSeedOf(plan))
  const { nibble } = tables
  // A record costs about 2n (strings, planted edits, sketch) plus LV, ≤ (k+1)² oracle calls of up to
  // 2·(#levels + 1) tests; 24 000 records at n = 4 096 (about a second; 3 000 per distance stratum
  // and edit pattern, so the coverage of each pattern is known to ±0.4 points), fewer for long strings
  // or large k, none when too few would fit (then intervals are the wide promise interval).
  // 50 records per simulated query.
  const samples = calibrationSamples(2 ** 30, 2 * n + 4 * (k + 1) ** 2 * (layout.levels + 1), 24000)
  const perQuery = 50
  const stride = layout.stride
  // (stride 1 keeps the seed it had before strides existed, so its tables are unchanged)
  const rng = syntheticRng(`${LCP_TREE_CALIBRATION_SEED}/${n}/${k}/${pTilde}/${hashSeedOf(plan)}${stride === 1 ? '' : `/stride${stride}`}`)
  const flip = (words: Uint32Array, offset: number, nCells: number): void => {
    simulateFlips(words, offset, nCells, pTilde, rng)
  }
  // A table per stratum and edit pattern (alternating pairs: isolated substitutions, local edits).
  const belt = new BeltBuilder(k, lcpTreeStrata(k), 2)
  const sketch = new Uint32Array(layout.wordsPerRecord)
  let query: Uint32Array = new Uint32Array(0)
  let oracle: TreeLce | null = null
  let sum = 0
  let sum2 = 0
  for (let s = 0; s < samples; s++) {
    if (s % perQuery === 0 || oracle === null) {
      query = syntheticString(n, rng)
      oracle = new TreeLce(layout, k, tables, query)
    }
    const isolated = s % 2 === 0
    const record = plantEdits(query, n, s % (k + 1), rng, isolated ? 'isolated' : 'local')
    const truth = editDistanceLV(record, n, query, n, k)
    if (truth === null) throw new Error('calibration: planted edits exceeded their budget')
    lcpTreeCleanSketch(layout, nibble, record, 0, sketch, 0)
    flipAll(layout, sketch, 0, flip)
    // Above k counts as the estimate k + 1, exactly as prepareQuery reports it.
    const g = (oracle.run(sketch, 0) ?? k + 1) - truth
    belt.add(truth, g, isolated ? ISOLATED_PATTERN : LOCAL_PATTERN)
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
    const stride = (req.options.levelStride as number | undefined) ?? LCP_TREE_DEFAULT_STRIDE
    const layout = lcpTreeLayout(n, stride, true)
    if ((2 * k + 1) * (layout.blocks + 1) > MAX_PREFIX_WORDS) {
      throw new RangeError('lcp-tree: k too large for n (the per-query diagonal tables would exceed 128 MiB)')
    }
    const delta = unitBits * (1 + layout.levels)
    const flip = flipProbability(epsilonMicro, delta)
    const epsilon = epsilonMicro / 1e6
    const needed = lcpTreeReliableEpsilon(n, k, delta, stride)
    const reliable = epsilon >= needed
    // Rough error model. Noise: a test fails on the optimal path with probability about
    // p̃·(2^s·W·#levels + 2·64) per LCE (node words on the way up, up to 2^s − 1 per level on the way
    // down, two raw leaves), one LCE per
    // edit plus one, each failure about one edit (Poisson). Cancellation, for the unfavourable case of
    // d isolated mismatches: a block of level j holds exactly two with probability λ²e^{−λ}/2,
    // λ = d·2^j/n, and they cancel with probability 1/W, costing two edits.
    const perLce = flip.pTilde * (2 ** stride * LCP_TREE_W * layout.levels + 2 * BLOCK)
    const sdAt = (d: number): number => {
      let pairs = 0
      for (let j = LCP_TREE_FIRST_LEVEL; j <= layout.topStored; j += stride) {
        const lambda = (d * 2 ** j) / n
        pairs += Math.floor(n / 2 ** j) * ((lambda * lambda * Math.exp(-lambda)) / 2)
      }
      const cancel = 1 - Math.exp(-pairs / LCP_TREE_W)
      return Math.min(k, Math.sqrt((d + 1) * perLce + 4 * cancel * (1 - cancel)))
    }
    const notes = [
      `stores the noisy bits plus ${layout.levels} levels of ${LCP_TREE_W}-cell parity words ` +
        `(every ${stride === 1 ? '' : `${stride}${stride === 2 ? 'nd' : stride === 3 ? 'rd' : 'th'} `}dyadic level from blocks of 64 bits) ` +
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
        topLevel: layout.topStored,
        levelStride: stride,
        layout: layout.interleaved ? 'interleaved' : 'levels',
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
    const layout = lcpTreeLayoutOf(plan)
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
    return calibrationCache.get(`${plan.n}|${plan.k}|${pTilde}|${hashSeedOf(plan)}|${strideOf(plan)}|${String(plan.params.layout)}`, () => simulate(plan, pTilde))
  },

  prepareQuery(plan: Plan, pTilde: number, calibration: Calibration, query: Uint32Array, options: QueryOptions): RecordEstimator {
    const { n, k } = plan
    if (query.length < wordsFor(n)) throw new RangeError(`query must have ${n} bits`)
    if (calibrationNumber(calibration, 'pTilde') !== pTilde || calibrationNumber(calibration, 'n') !== n) {
      throw new RangeError('lcp-tree: calibration does not match the sketch')
    }
    const layout = lcpTreeLayoutOf(plan)
    const oracle = new TreeLce(layout, k, hashTables(n, hashSeedOf(plan)), query)
    const level = 1 - intervalAlpha(options)
    // The estimate is r − μ̂ (μ̂ = simulated mean error): the belt's centre, so intervals contain it.
    const centre = calibrationNumber(calibration, 'meanError')
    const belt = preparedBeltOf(calibration.belt, k, n, level, centre)
    // The public uniform of each record for the randomized belt (record ordinal = offset / words).
    const { wordsPerRecord } = layout
    const uniform = beltUniforms(`lcp-tree|${n}|${k}|${plan.epsilonMicro}|${plan.unitBits}|${hashSeedOf(plan)}${layout.stride === 1 ? '' : `|stride${layout.stride}`}`, query, n)
    const unreliable = !plan.reliable
    const clip = (x: number): number => (x < 0 ? 0 : x > n ? n : x)
    return (sketch: Uint32Array, offset: number): Estimate => {
      const r = oracle.run(sketch, offset)
      const s = r ?? Math.min(k + 1, n)
      const estimate = r === null ? s : clip(r - centre)
      const interval = belt === null ? null : beltInterval(belt, s, uniform(Math.floor(offset / wordsPerRecord)))
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
      return { estimate, ciLow: Math.min(ciLow, estimate), ciHigh: Math.max(ciHigh, estimate), status: unreliable ? 'unreliable' : r === null ? 'above_k' : 'ok' }
    }
  },
}
