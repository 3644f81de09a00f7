/**
 * lcp-tree's public constants and the word layout of one stored record (docs/mechanisms/lcp-tree.md#construction).
 *
 * Stored levels: j = j0, j0 + s, j0 + 2s, … ≤ J with j0 = log2(W) + 1 = 6 (blocks of 64 bits, W = 32
 * cells per parity word), J = ⌊log2 n⌋ (the top level with a full block) and s the level stride
 * (plan option levelStride ∈ [1, 4], default 4; plans from before it existed have s = 1, every
 * dyadic level, as in the paper). Per record: the n noisy raw bits, then for each stored level j one
 * W-cell parity word per full aligned block [b, b + 2^j).
 *
 * Word order in a record: new plans (params.layout = 'interleaved') store each 64-bit block's two raw
 * words followed by its level-6 word (raw word w at w + ⌊w/2⌋, level-6 word b at 3b + 2), then the
 * higher levels; plans from before store the raw words, then each level. Why: an LCE that descends to
 * a mismatch reads the level-6 words of the failing block and then the raw bits there, one load
 * waiting for the other; side by side they share cache lines, so a record not in cache costs one
 * dependent memory access less per edit (n = 65 536: 9.0 → 8.2 µs per record, same answers). The
 * cells, their noise and every answer are the same in both orders.
 *
 * Reliability (docs/mechanisms/lcp-tree.md#reliability): the per-test error bound holds for all
 * ≤ T tests of a query with probability 1 − α only when ε/Δ ≥ ln(W·T/α),
 * T = 2^s·⌈(⌈log2 n⌉+1)/s⌉·(k+1)² (the paper's 2(⌈log2 n⌉+1)(k+1)² at s = 1); α = 0.05.
 */
import { wordsFor } from '../../bits.js'
import type { Plan } from '../mechanism.js'

/** Cells per parity word. */
export const LCP_TREE_W = 32
/** First sketched level: blocks of 2^6 = 64 bits (log2 W + 1). */
export const LCP_TREE_FIRST_LEVEL = 6
/** Bits of a first-level block. */
export const BLOCK = 1 << LCP_TREE_FIRST_LEVEL
/** Failure probability in the reliability threshold (docs/mechanisms/lcp-tree.md#reliability). */
export const LCP_TREE_ALPHA = 0.05
/** Largest level stride a plan may ask for (descents then test up to 2^4 − 1 = 15 sub-blocks per level). */
export const LCP_TREE_MAX_STRIDE = 4
/** Level stride of new plans (Δ = 1 + #levels, so fewer levels mean much less noise; see index.ts). */
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

/** The plan's record layout: interleaved for plans that say so; plans made before it existed are not. */
export function lcpTreeLayoutOf(plan: Plan): LcpTreeLayout {
  return lcpTreeLayout(plan.n, strideOf(plan), plan.params.layout === 'interleaved')
}

/** The plan's level stride; plans made before strides existed store every level (stride 1). */
export function strideOf(plan: Plan): number {
  const stride = plan.params.levelStride
  return stride === undefined ? 1 : (stride as number)
}

/** The plan's public hash seed (it expands to the cellOf table, tables.ts). */
export function hashSeedOf(plan: Plan): string {
  const seed = plan.params.hashSeed
  if (typeof seed !== 'string' || seed.length === 0) throw new RangeError('lcp-tree: plan has no hash seed')
  return seed
}
