/**
 * Public hash tables of the Hamming sketches (docs/mechanisms/parity.md#construction,
 * docs/mechanisms/pl07.md#construction).
 *
 * A sketch maps bit position i of a record to one cell per repetition through a table of uniform
 * values. The table is expanded deterministically from the sketch's public hash seed with seedrandom
 * (Alea), one independent stream per label, so builder and query side (and every worker) rebuild the
 * identical table from the stored plan. These tables are public parameters, not privacy noise: the
 * seed is drawn independently of the data and stored in the plan, and the DP guarantee holds for
 * every fixed table (docs/privacy-model.md#what-is-public). Privacy noise comes only from a NoiseSource.
 *
 * {@link sketchSetBits} applies a position → cell table to one record: for every set bit i (found word
 * by word with Math.clz32, so the cost is O(n/32 + popcount)) it toggles the cells table[i·L + r],
 * r < L, of the output (cell c is bit 31 − (c & 31) of word c >>> 5, the sketch/bits.ts layout).
 */
import seedrandom from 'seedrandom'

const TWO_32 = 2 ** 32

/**
 * `count` values uniform on [0, cells), from the stream (seed, label). Exactly uniform: a power of two
 * takes the top bits of a 32-bit draw, any other size rejects draws above the largest multiple of
 * `cells` below 2^32. Uint16Array when cells ≤ 65 536, else Uint32Array.
 */
export function cellTable(seed: string, label: string, count: number, cells: number): Uint16Array | Uint32Array {
  if (typeof seed !== 'string' || seed.length === 0) throw new RangeError('hash seed must be a non-empty string')
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('table size must be a non-negative integer')
  if (!Number.isSafeInteger(cells) || cells < 1 || cells > TWO_32) throw new RangeError('cells must be an integer in [1, 2^32]')
  const rng = seedrandom.alea(JSON.stringify(['dpdist/cell-table/v1', seed, label]))
  const out = cells <= 65_536 ? new Uint16Array(count) : new Uint32Array(count)
  if ((cells & (cells - 1)) === 0 && cells <= 2 ** 31) {
    const shift = 32 - Math.log2(cells)
    if (shift === 32) return out // one cell: every value is 0
    for (let i = 0; i < count; i++) out[i] = (rng.int32() >>> 0) >>> shift
    return out
  }
  const limit = TWO_32 - (TWO_32 % cells)
  for (let i = 0; i < count; i++) {
    let u = rng.int32() >>> 0
    while (u >= limit) u = rng.int32() >>> 0
    out[i] = u % cells
  }
  return out
}

/**
 * XORs into out[outOffset..] the cells table[i·L + r] (r < L) of every set bit i < n of the record at
 * record[recordOffset..]. Bits at or beyond n are ignored. Does not clear `out` first.
 */
export function sketchSetBits(
  record: Uint32Array,
  recordOffset: number,
  n: number,
  table: Uint32Array,
  L: number,
  out: Uint32Array,
  outOffset: number,
): void {
  const fullWords = n >>> 5
  const tail = n & 31
  const nWords = tail === 0 ? fullWords : fullWords + 1
  for (let w = 0; w < nWords; w++) {
    let word = record[recordOffset + w]
    if (w === fullWords) word &= ~(0xffffffff >>> tail) // keep bits 0..tail−1 of the last word
    if (word === 0) continue
    const base = (w << 5) * L
    if (L === 1) {
      while (word !== 0) {
        const b = Math.clz32(word)
        word ^= 0x80000000 >>> b
        const cell = table[base + b]
        out[outOffset + (cell >>> 5)] ^= 0x80000000 >>> (cell & 31)
      }
    } else {
      while (word !== 0) {
        const b = Math.clz32(word)
        word ^= 0x80000000 >>> b
        let at = base + b * L
        for (let r = 0; r < L; r++, at++) {
          const cell = table[at]
          out[outOffset + (cell >>> 5)] ^= 0x80000000 >>> (cell & 31)
        }
      }
    }
  }
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit words with full avalanche (public hashing only). */
export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Small most-recently-used cache for expanded tables (several sketches may share a process). */
export class TableCache<V> {
  readonly #limit: number
  readonly #entries = new Map<string, V>()

  constructor(limit: number) {
    this.#limit = limit
  }

  get(key: string, make: () => V): V {
    const hit = this.#entries.get(key)
    if (hit !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, hit)
      return hit
    }
    const value = make()
    this.#entries.set(key, value)
    while (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
    return value
  }
}
