/** Shared pieces of the count-filter and kernel tests (count-filter, native-count-filter, popcount-wasm). */
import type { CountFilter } from '../../sketch/kernels/count-filter.js'
import type { SeededNoiseSource } from './seeded-noise.js'

/** Fills `out` with random words where all-ones and all-zeros words are common (whole lanes at their extremes). */
export function fillExtremeWords(source: SeededNoiseSource, out: Uint32Array): Uint32Array {
  for (let i = 0; i < out.length; i++) {
    const kind = source.nextUint32() & 3
    out[i] = kind === 0 ? 0xffffffff : kind === 1 ? 0 : source.nextUint32()
  }
  return out
}

/** `count` such words in a fresh SharedArrayBuffer. */
export function words(source: SeededNoiseSource, count: number): Uint32Array {
  return fillExtremeWords(source, new Uint32Array(new SharedArrayBuffer(count * 4)))
}

/**
 * Whether two filters give the same hits on the m records of w words in `data`, block by block
 * (2048 records), for each query: on a sub-range of every block (from record 7), and, when `a` has a
 * batch kernel, for the whole block with all queries at once against b's single-query calls.
 */
export function sameHits(a: CountFilter, b: CountFilter, data: Uint32Array, queries: Uint32Array[], w: number, m: number): boolean {
  const block = 2048
  a.setQueries(queries, w, block)
  b.setQueries(queries, w, block)
  for (let first = 0; first < m; first += block) {
    const count = Math.min(block, m - first)
    a.loadBlock(data, first, count)
    b.loadBlock(data, first, count)
    const cuts = Uint32Array.from(queries, (_, q) => 14 * w + q * w)
    if (a.filterEach !== undefined) {
      const batch = a.filterEach(cuts)
      for (let q = 0; q < queries.length; q++) {
        const got = b.filter(q, cuts[q])
        if (batch.counts[q] !== got) return false
        for (let i = 0; i < 2 * got; i++) if (batch.hits[q * batch.stride + i] !== b.hits[i]) return false
      }
    }
    for (let q = 0; q < queries.length; q++) {
      const x = a.filter(q, cuts[q], 7, count - 7)
      const y = b.filter(q, cuts[q], 7, count - 7)
      if (x !== y) return false
      for (let i = 0; i < 2 * x; i++) if (a.hits[i] !== b.hits[i]) return false
    }
  }
  return true
}
