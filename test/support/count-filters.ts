/** Shared pieces of the count-filter tests (test/sketch/count-filter.test.ts, native-count-filter.test.ts). */
import type { CountFilter } from '../../sketch/count-filter.js'
import type { SeededNoiseSource } from './seeded-noise.js'

/** Random words where all-ones and all-zeros words are common (whole lanes at their extremes). */
export function words(source: SeededNoiseSource, count: number): Uint32Array {
  const out = new Uint32Array(new SharedArrayBuffer(count * 4))
  for (let i = 0; i < count; i++) {
    const kind = source.nextUint32() & 3
    out[i] = kind === 0 ? 0xffffffff : kind === 1 ? 0 : source.nextUint32()
  }
  return out
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
