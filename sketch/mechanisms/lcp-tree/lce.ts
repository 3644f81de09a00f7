/**
 * lcp-tree's private longest common extension over the dyadic equality words
 * (docs/mechanisms/lcp-tree.md#estimator), and Landau–Vishkin on top of it: the shared loop of
 * sketch/exact/landau-vishkin.ts with this oracle, cap k.
 *
 * EQ(j, b, d) is "node_j[b >> j] ⊕ B's word = 0" (threshold 0), B's word read from the query's prefix
 * parities (prefixes.ts). LCE(x, d) follows the paper's descent: ascend over aligned stored blocks
 * while they test equal, then descend to the first failing leaf: at each stored level below, move
 * past the 2^s sub-blocks of the failing block while they test equal (the last one is not tested:
 * if the others pass, the failure is there). Below 64 bits the equality tests read the noisy raw
 * bits; the ascent and descent over those levels (j < 6) return the first raw mismatch inside the
 * 64-bit block, which is computed directly with the word-parallel exact LCE on (Ã, B) (the one
 * difference: a 64-bit block that failed only through noise is passed whole, where the bit-by-bit
 * descent would stop one bit short).
 *
 * test/sketch/mechanisms/lcp-tree-query.test.ts compares this LCE and its Landau–Vishkin with a
 * direct implementation of these definitions.
 */
import type { LceOracle, LvRows } from '../../exact/landau-vishkin.js'
import { landauVishkinRun, lvRows } from '../../exact/landau-vishkin.js'
import type { LcpTreeLayout } from './layout.js'
import { BLOCK, LCP_TREE_FIRST_LEVEL } from './layout.js'
import { paddedQueryWords, paddedWindow, queryPrefixes } from './prefixes.js'
import type { HashTables } from './tables.js'

/**
 * One prepared query against the stored records: the query's words, the prefix parities and the
 * Landau–Vishkin rows, built once and shared by all records. `lce(x, d)` reads the record bound by
 * `bind` (or `run`) and needs |d| ≤ ⌊k/2⌋ (the prefix table covers those diagonals only, the ones
 * Landau–Vishkin visits on equal lengths by Ukkonen's cut-off); it is not checked here, on the hot
 * path: query.ts's lcpTreeOracle is the checked form.
 */
export class TreeLce implements LceOracle {
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
  /** The bound record array as Int32 (signed words stay small integers in the engine), and its offset. */
  private raw: Int32Array = new Int32Array(0)
  private rawOf: Uint32Array | null = null
  private off = 0
  private readonly rows: LvRows

  constructor(
    layout: LcpTreeLayout,
    readonly k: number,
    tables: HashTables,
    query: Uint32Array,
  ) {
    this.n = layout.n
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
    this.words = paddedQueryWords(layout, query)
    this.prefixes = queryPrefixes(layout, tables, this.h, query, this.words)
    this.rows = lvRows(k)
  }

  /** Binds the record at word `offset` of `sketch` for lce (the Int32 view is rebuilt when the array changes). */
  bind(sketch: Uint32Array, offset: number): void {
    if (sketch !== this.rawOf) {
      this.rawOf = sketch
      this.raw = new Int32Array(sketch.buffer, sketch.byteOffset, sketch.length)
    }
    this.off = offset
  }

  /** Landau–Vishkin with cap k of the record at `offset` of `sketch` against the query: the distance if ≤ k, else null. */
  run(sketch: Uint32Array, offset: number): number | null {
    this.bind(sketch, offset)
    return landauVishkinRun(this.n, this.n, this.k, this, this.rows)
  }

  /**
   * LCE(i, d) on the bound record. Inline fast path for the common case (wrong diagonals): a raw
   * mismatch within the first 32 bits, before the next 64-bit boundary; otherwise the full LCE.
   */
  lce(i: number, d: number): number {
    const n = this.n
    const lim = d > 0 ? n - d : n
    if (i >= lim) return 0
    const diff = this.rawWindow(i) ^ paddedWindow(this.words, i + d)
    let end = (i + BLOCK - 1) & ~(BLOCK - 1)
    if (end > lim) end = lim
    const l = Math.clz32(diff)
    return diff !== 0 && i + l < end ? l : this.extension(i, d)
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
}
