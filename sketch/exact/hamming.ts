/**
 * Exact (non-private) Hamming distance: the baseline every Hamming sketch is measured against, and
 * the exact distance the per-query `geometric` mechanism adds noise to.
 *
 * d_H(A, B) = popcount(A XOR B) over the packed words (sketch/bits.ts layout; padding bits are zero
 * on both sides, so they contribute nothing). The scan keeps records contiguous, record r at
 * `records[r·wordsPerRecord ..]`, so one query touches memory linearly; the SWAR popcount is inlined
 * with two words sharing the 4-bit stage and byte lanes folded every 15 pairs (see xorPopcount in
 * sketch/bits.ts). Cost: O(m·n/32) word operations per query (docs/mechanisms/parity.md#estimator compares the
 * sketches' O(m·L·M/32) against this).
 */
import { xorPopcount } from '../bits.js'

function assertCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer`)
}

/** Hamming distance between the nWords-word strings at a[aOffset..] and b[bOffset..]. */
export function hammingDistance(
  a: Uint32Array,
  aOffset: number,
  b: Uint32Array,
  bOffset: number,
  nWords: number,
): number {
  assertCount(aOffset, 'aOffset')
  assertCount(bOffset, 'bOffset')
  assertCount(nWords, 'nWords')
  if (aOffset + nWords > a.length || bOffset + nWords > b.length) {
    throw new RangeError('string extends past the end of its array')
  }
  return xorPopcount(a, aOffset, b, bOffset, nWords)
}

/**
 * The argument checks shared by every XOR-popcount scan kernel (this one, the WebAssembly one):
 * throws RangeError, and returns the array the counts go to.
 */
export function checkScanArguments(records: Uint32Array, m: number, wordsPerRecord: number, query: Uint32Array, out?: Int32Array): Int32Array {
  assertCount(m, 'm')
  assertCount(wordsPerRecord, 'wordsPerRecord')
  if (m * wordsPerRecord > records.length) throw new RangeError('records array shorter than m records')
  if (query.length < wordsPerRecord) throw new RangeError('query shorter than one record')
  const result = out ?? new Int32Array(m)
  if (result.length < m) throw new RangeError('output array shorter than m')
  return result
}

/**
 * Exact Hamming distance from `query` (its first wordsPerRecord words) to each of the m records
 * stored contiguously in `records`; out[r] = d_H(record r, query). Returns `out` (a new array when
 * omitted).
 */
export function exactHammingScan(
  records: Uint32Array,
  m: number,
  wordsPerRecord: number,
  query: Uint32Array,
  out?: Int32Array,
): Int32Array {
  const result = checkScanArguments(records, m, wordsPerRecord, query, out)

  const evenEnd = wordsPerRecord & ~1
  const odd = wordsPerRecord & 1
  for (let r = 0, base = 0; r < m; r++, base += wordsPerRecord) {
    let total = 0
    let acc = 0
    let pairs = 0
    let i = 0
    for (; i < evenEnd; i += 2) {
      let x = records[base + i] ^ query[i]
      let y = records[base + i + 1] ^ query[i + 1]
      x = x - ((x >>> 1) & 0x55555555)
      y = y - ((y >>> 1) & 0x55555555)
      // 4-bit lanes of the two words summed (each ≤ 4, so ≤ 8), then byte lanes (≤ 16 per pair).
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333) + (y & 0x33333333) + ((y >>> 2) & 0x33333333)
      acc = (acc + (x & 0x0f0f0f0f) + ((x >>> 4) & 0x0f0f0f0f)) | 0
      if (++pairs === 15) {
        // 15 pairs keep every byte lane ≤ 240: fold before it can overflow.
        acc = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff)
        total += (acc + (acc >>> 16)) & 0xffff
        acc = 0
        pairs = 0
      }
    }
    acc = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff)
    total += (acc + (acc >>> 16)) & 0xffff
    if (odd !== 0) {
      let x = records[base + i] ^ query[i]
      x = x - ((x >>> 1) & 0x55555555)
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
      x = (x + (x >>> 4)) & 0x0f0f0f0f
      total += Math.imul(x, 0x01010101) >>> 24
    }
    result[r] = total
  }
  return result
}
