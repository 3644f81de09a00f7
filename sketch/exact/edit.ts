/**
 * Exact (non-private) edit distance with a cap: the baseline the edit-distance mechanisms
 * (docs/mechanisms/lcp-tree.md, docs/mechanisms/noisy-bits.md) are measured against, and the exact distance the per-query
 * `geometric` mechanism adds noise to.
 *
 * Distance: Levenshtein (unit-cost substitution, insertion, deletion) between bit strings P (np bits,
 * the "pattern", rows i) and T (nt bits, the "text", columns j):
 *   D(i,0) = i,  D(0,j) = j,
 *   D(i,j) = min(D(i−1,j−1) + [P_i ≠ T_j],  D(i−1,j) + 1,  D(i,j−1) + 1),     ED = D(np,nt).
 * `editDistanceCapped(..., k)` returns ED when ED ≤ k and k + 1 otherwise.
 *
 * Word-parallel column update (Myers 1999, in Hyyrö's 2001/2003 formulation; the multi-block form and
 * the band follow edlib, Šošić & Šikić 2017). Adjacent cells differ by −1, 0 or +1, so a column is
 * stored as vertical deltas D(i,j) − D(i−1,j) in two bit vectors Pv (+1) and Mv (−1), bit t of block b
 * holding row 32b + t + 1 (least significant bit = upper row, so carries run downwards). With
 * Eq = the rows where P_i = T_j and hin = D(top−1,j) − D(top−1,j−1) entering the block from above:
 *   Xv = Eq | Mv;   Eq' = Eq | [hin = −1];   Xh = (((Eq' & Pv) + Pv) ^ Pv) | Eq'
 *   Ph = Mv | ~(Xh | Pv);   Mh = Pv & Xh                (horizontal deltas +1 / −1 of column j)
 *   hout = Ph[bit 31] − Mh[bit 31]                         (passed to the block below as its hin)
 *   Ph' = (Ph << 1) | [hin = +1];   Mh' = (Mh << 1) | [hin = −1]
 *   Pv ← Mh' | ~(Xv | Ph');   Mv ← Ph' & Xv
 * Each block also keeps the absolute value of its last row (score += that row's horizontal delta);
 * for the final block the last row is row np (bit (np − 1) mod 32), the bits below it are padding
 * and never influence the rows above (carries only move downwards). Over the binary alphabet Eq is
 * the pattern word when T_j = 1 and its complement when T_j = 0; the pattern words are bit-reversed
 * once because the storage order (sketch/bits.ts) is most-significant-bit first.
 *
 * Band (Ukkonen 1985): a cell on an alignment of cost ≤ k has D(i,j) ≥ |i − j| and still needs
 * ≥ |(np − i) − (nt − j)| edits, so with d = i − j and δ = np − nt it lies on diagonals
 * |d| + |δ − d| ≤ k, i.e. min(0,δ) − h ≤ d ≤ max(0,δ) + h with h = ⌊(k − |δ|)/2⌋. Only the blocks
 * meeting those rows are computed: at most ⌈(k+1)/32⌉ + 1 per column, so the cost is
 * O(⌈k/32⌉·nt) word operations (and O(⌈np/32⌉·nt) when k ≥ max(np, nt)). A block entering the band
 * from below starts from the upper bound "previous block's last row + 1 per row" (Pv = all ones);
 * rows above the band are replaced by a row rising by +1 per column (hin = +1). Both are upper
 * bounds of the true values, so every computed cell is ≥ its true value and every cell on an
 * optimal alignment of cost ≤ k is exact.
 * Early exit: the value of a row inside a block is ≥ (block's last-row value) − (number of +1
 * vertical deltas below that row), so when that bound exceeds k in every banded block no alignment
 * of cost ≤ k passes through the column and the answer is k + 1 (random pairs stop after a few
 * hundred columns).
 */
import { popcount32, wordsFor } from '../bits.js'

/** Reverses the bit order of a 32-bit word (result as int32). */
function reverse32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1)
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2)
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4)
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8)
  return (x >>> 16) | (x << 16)
}

// Per-block state, reused across calls (the functions are synchronous and never re-entered).
let blockPv = new Int32Array(64)
let blockMv = new Int32Array(64)
let blockScore = new Int32Array(64)
let patternScratch = new Int32Array(64)

function ensureBlocks(nBlocks: number): void {
  if (blockPv.length >= nBlocks) return
  const size = Math.max(nBlocks, 2 * blockPv.length)
  blockPv = new Int32Array(size)
  blockMv = new Int32Array(size)
  blockScore = new Int32Array(size)
}

/** Bit-reversed pattern words (row i+1 at bit i mod 32 of word ⌊i/32⌋) written into `into`. */
function loadPattern(words: Uint32Array, offset: number, n: number, into: Int32Array): void {
  const nWords = wordsFor(n)
  for (let w = 0; w < nWords; w++) into[w] = reverse32(words[offset + w])
}

/** Column 0 of the band (exact: D(i, 0) = i) for the blocks banded at column 1; returns the last of them. */
function startBand(np: number, dHigh: number, lastBlock: number): number {
  const bLast = (Math.min(np, 1 + dHigh) - 1) >>> 5
  for (let b = 0; b <= bLast; b++) {
    blockPv[b] = -1
    blockMv[b] = 0
    blockScore[b] = b === lastBlock ? np : 32 * (b + 1)
  }
  return bLast
}

/**
 * Early-exit bound of a column whose blocks all end above k: some row of blocks bFirst..bLast may
 * still be within k (its value is the block's last-row value minus the vertical deltas below it).
 */
function pathMayPass(bFirst: number, bLast: number, lastBlock: number, lastBlockMask: number, k: number): boolean {
  for (let b = bFirst; b <= bLast; b++) {
    if (blockScore[b] - popcount32(blockPv[b] & (b === lastBlock ? lastBlockMask : ~1)) <= k) return true
  }
  return false
}

/**
 * Banded block Myers. Requires np ≥ 1, nt ≥ 1, |np − nt| ≤ k, and `pattern` holding the
 * bit-reversed pattern words. Returns ED if ≤ k, else k + 1.
 */
function bandedMyers(pattern: Int32Array, np: number, text: Uint32Array, textOffset: number, nt: number, k: number): number {
  const nBlocks = (np + 31) >>> 5
  ensureBlocks(nBlocks)
  const pvs = blockPv
  const mvs = blockMv
  const scores = blockScore
  const lastBlock = nBlocks - 1
  const lastShift = (np - 1) & 31
  // Vertical deltas that count towards the early-exit bound: rows 2..32 of a block (bit 0 is the
  // delta from the row above the block), and only rows ≤ np in the final block.
  const lastBlockMask = (lastShift === 31 ? -1 : (1 << (lastShift + 1)) - 1) & ~1

  const delta = np - nt
  const half = (k - Math.abs(delta)) >> 1
  const dLow = Math.min(0, delta) - half
  const dHigh = Math.max(0, delta) + half

  let bLast = startBand(np, dHigh, lastBlock)

  let j = 0
  for (let w = 0; j < nt; w++) {
    const textWord = text[textOffset + w]
    const bitsInWord = nt - j < 32 ? nt - j : 32
    for (let t = 0; t < bitsInWord; t++) {
      j++
      const textMask = -((textWord >>> (31 - t)) & 1) // all ones when T_j = 1

      let hiRow = j + dHigh
      if (hiRow > np) hiRow = np
      const enteringBlock = (hiRow - 1) >>> 5
      if (enteringBlock > bLast) {
        // The band moves down one row per column, so at most one block enters at a time.
        const rows = (enteringBlock === lastBlock ? np : 32 * (enteringBlock + 1)) - 32 * enteringBlock
        pvs[enteringBlock] = -1
        mvs[enteringBlock] = 0
        scores[enteringBlock] = scores[bLast] + rows
        bLast = enteringBlock
      }
      let loRow = j + dLow
      if (loRow < 1) loRow = 1
      const bFirst = (loRow - 1) >>> 5

      let hin = 1
      let minScore = 0x7fffffff
      for (let b = bFirst; b <= bLast; b++) {
        const pv = pvs[b]
        const mv = mvs[b]
        const hinNeg = (hin >> 1) & 1 // 1 iff hin = −1
        const hinPos = (hin + 1) >> 1 // 1 iff hin = +1
        let eq = ~(pattern[b] ^ textMask)
        const xv = eq | mv
        eq |= hinNeg
        const xh = (((eq & pv) + pv) ^ pv) | eq
        const ph = mv | ~(xh | pv)
        const mh = pv & xh
        const hout = (ph >>> 31) - (mh >>> 31)
        const score =
          b === lastBlock ? scores[b] + ((ph >>> lastShift) & 1) - ((mh >>> lastShift) & 1) : scores[b] + hout
        const phIn = (ph << 1) | hinPos
        const mhIn = (mh << 1) | hinNeg
        pvs[b] = mhIn | ~(xv | phIn)
        mvs[b] = phIn & xv
        scores[b] = score
        if (score < minScore) minScore = score
        hin = hout
      }

      // A block's rows are ≥ its last-row value − 31, so the popcount bound is only needed when
      // some block is within 31 of the cap.
      if (minScore > k && (minScore - 31 > k || !pathMayPass(bFirst, bLast, lastBlock, lastBlockMask, k))) return k + 1
    }
  }
  const distance = scores[lastBlock]
  return distance <= k ? distance : k + 1
}

function assertCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer`)
}

/**
 * Levenshtein distance between the na-bit string at a[aOffset..] and the nb-bit string at
 * b[bOffset..] (sketch/bits.ts layout) if it is ≤ k, otherwise k + 1.
 */
export function editDistanceCapped(
  a: Uint32Array,
  na: number,
  b: Uint32Array,
  nb: number,
  k: number,
  aOffset = 0,
  bOffset = 0,
): number {
  assertCount(na, 'na')
  assertCount(nb, 'nb')
  assertCount(k, 'k')
  assertCount(aOffset, 'aOffset')
  assertCount(bOffset, 'bOffset')
  if (aOffset + wordsFor(na) > a.length || bOffset + wordsFor(nb) > b.length) {
    throw new RangeError('string extends past the end of its array')
  }
  if (Math.abs(na - nb) > k) return k + 1
  if (na === 0 || nb === 0) return na + nb
  // ED ≤ max(na, nb), so a larger cap only widens the band.
  const cap = Math.min(k, Math.max(na, nb))
  // The text is scanned column by column: let it be the shorter string.
  const nWords = wordsFor(Math.max(na, nb))
  if (patternScratch.length < nWords) patternScratch = new Int32Array(Math.max(nWords, 2 * patternScratch.length))
  let distance: number
  if (na >= nb) {
    loadPattern(a, aOffset, na, patternScratch)
    distance = bandedMyers(patternScratch, na, b, bOffset, nb, cap)
  } else {
    loadPattern(b, bOffset, nb, patternScratch)
    distance = bandedMyers(patternScratch, nb, a, aOffset, na, cap)
  }
  return distance <= cap ? distance : k + 1
}

/**
 * Capped edit distance from the n-bit `query` to each of the m n-bit records stored contiguously in
 * `records` (record r at offset r·wordsPerRecord): out[r] = min(ED(record r, query), k + 1).
 * Returns `out` (a new array when omitted).
 */
export function editDistanceScan(
  records: Uint32Array,
  m: number,
  wordsPerRecord: number,
  n: number,
  query: Uint32Array,
  k: number,
  out?: Int32Array,
): Int32Array {
  assertCount(m, 'm')
  assertCount(wordsPerRecord, 'wordsPerRecord')
  assertCount(n, 'n')
  assertCount(k, 'k')
  const nWords = wordsFor(n)
  if (wordsPerRecord < nWords) throw new RangeError('wordsPerRecord too small for n bits')
  if (m * wordsPerRecord > records.length) throw new RangeError('records array shorter than m records')
  if (query.length < nWords) throw new RangeError('query shorter than n bits')
  const result = out ?? new Int32Array(m)
  if (result.length < m) throw new RangeError('output array shorter than m')
  if (n === 0) {
    result.fill(0, 0, m)
    return result
  }
  const cap = Math.min(k, n)
  const pattern = new Int32Array(nWords)
  loadPattern(query, 0, n, pattern)
  for (let r = 0; r < m; r++) {
    const distance = bandedMyers(pattern, n, records, r * wordsPerRecord, n, cap)
    result[r] = distance <= cap ? distance : k + 1
  }
  return result
}
