/**
 * lcp-tree's query side (docs/mechanisms/lcp-tree.md#estimator), built once per query and shared by all
 * records: B's words with the padding cleared, and for each diagonal d ∈ [−⌊k/2⌋, ⌊k/2⌋] (the only
 * ones Landau–Vishkin visits on two strings of length n: |d| ≤ r and |d| ≤ k − r) the prefix XOR
 * P_d[b] = ⊕ of B's parity words of the A-blocks [64c, 64c + 64), c < b, each read on B at positions
 * 64c + d … (zero when outside B), with cells by A-position cellOf. B's word for the A-block
 * [s, s + 2^j) is P_d[(s + 2^j)/64] ⊕ P_d[s/64]. The table is built 32 diagonals at a time with a
 * bit-matrix transpose, which changes no answer: test/sketch/mechanisms/lcp-tree-query.test.ts
 * compares it with B's parity words summed position by position.
 */
import type { LcpTreeLayout } from './layout.js'
import { BLOCK, LCP_TREE_W } from './layout.js'
import type { HashTables } from './tables.js'
import { blockParity } from './tables.js'

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

/** The query's words as Int32, padding bits cleared, one zero word appended (for paddedWindow). */
export function paddedQueryWords(layout: LcpTreeLayout, query: Uint32Array): Int32Array {
  const n = layout.n
  const words = new Int32Array(layout.rawWords + 1)
  for (let w = 0; w < layout.rawWords; w++) words[w] = query[w]
  if ((n & 31) !== 0) words[layout.rawWords - 1] &= -1 << (32 - (n & 31))
  return words
}

/**
 * The 32 bits of a string from bit y (0 ≤ y < its length), from its words with the padding bits
 * cleared and one zero word appended (so bits past the end read as zero).
 */
export function paddedWindow(words: Int32Array, y: number): number {
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
export function queryPrefixes(layout: LcpTreeLayout, tables: HashTables, h: number, query: Uint32Array, words: Int32Array): Int32Array {
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
