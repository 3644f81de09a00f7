/**
 * lcp-tree's public hash tables, expanded from the plan's hash seed with seedrandom and shared by all
 * records, levels and queries (docs/mechanisms/lcp-tree.md#construction): cellOf[x] ∈ [0, W) for
 * every position x (an independent random permutation of the W cells for each aligned group of W
 * positions: two positions of one group never share a cell, so mismatches close together cannot
 * cancel in a parity word), and the lookups that build parity words from them.
 */
import seedrandom from 'seedrandom'
import { windowAt } from '../../exact/landau-vishkin.js'
import { TableCache } from '../../hash-tables.js'
import { LCP_TREE_W } from './layout.js'

/** Public hash tables expanded from the seed: cellOf and the lookups used to build parity words. */
export interface HashTables {
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

/** The cellOf permutations of every group of W positions, one Fisher–Yates shuffle each. */
function cellPermutations(n: number, hashSeed: string): Uint8Array {
  // Every position's cell is uniform, two positions in different groups collide with probability
  // 1/W, and two positions in the same group never do, so nearby mismatches (bursts, short shifts)
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
  return cellOf
}

export function hashTables(n: number, hashSeed: string): HashTables {
  return tableCache.get(`${n}|${hashSeed}`, () => {
    const cellOf = cellPermutations(n, hashSeed)
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
export function blockParity(nibble: Uint32Array, s: number, x: Uint32Array, base: number, nWords: number, from: number): number {
  const hi = windowAt(x, base, nWords, from)
  const lo = windowAt(x, base, nWords, from + 32)
  let t = (s >>> 2) * 16
  let acc = 0
  for (let q = 28; q >= 0; q -= 4, t += 16) acc ^= nibble[t + ((hi >>> q) & 15)]
  for (let q = 28; q >= 0; q -= 4, t += 16) acc ^= nibble[t + ((lo >>> q) & 15)]
  return acc
}
