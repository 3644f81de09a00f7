import t from 'tap'
import fc from 'fast-check'
import { exactHammingScan } from '../../sketch/hamming-exact.js'
import { newCountFilter } from '../../sketch/count-filter.js'
import { newKernelInstance } from '../../sketch/popcount-wasm.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { seededProperty } from '../support/property.js'

/** Random words where all-ones and all-zeros words are common (byte lanes at their extremes). */
function words(source: SeededNoiseSource, count: number): Uint32Array {
  const out = new Uint32Array(new SharedArrayBuffer(count * 4))
  for (let i = 0; i < count; i++) {
    const kind = source.nextUint32() & 3
    out[i] = kind === 0 ? 0xffffffff : kind === 1 ? 0 : source.nextUint32()
  }
  return out
}

/** The definition: (index, count) of every record in the block with count < cut, in order. */
function expectedHits(block: Uint32Array, m: number, w: number, query: Uint32Array, cut: number): number[] {
  const counts = exactHammingScan(block, m, w, query)
  return Array.from(counts).flatMap((c, r) => (c < cut ? [r, c] : []))
}

t.test('the WebAssembly kernel is available on the supported Node', async (t) => {
  t.ok(newKernelInstance() !== null)
})

t.test('wasm and JavaScript filters return exactly the records below the cut, for every query of a batch', async (t) => {
  const property = seededProperty(77)
  t.doesNotThrow(
    property(
      [fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 600 }), fc.integer(), fc.boolean()],
      (w, queryCount, maxBlock, seed, useWasm) => {
        const source = new SeededNoiseSource(seed)
        const m = 3 * maxBlock + (source.nextUint32() % maxBlock)
        const records = words(source, m * w + 3)
        const queries = Array.from({ length: queryCount }, () => words(source, w + (source.nextUint32() % 3)))
        const filter = newCountFilter(useWasm)
        filter.setQueries(queries, w, maxBlock)
        for (let first = 0; first < m; first += maxBlock) {
          const count = Math.min(maxBlock, m - first)
          filter.loadBlock(records, first, count)
          for (let q = 0; q < queryCount; q++) {
            // cuts from "nothing" through typical values to "everything", including non-integers
            const cut = [0, 1, 16 * w, 32 * w, 32 * w + 1, Infinity, (source.nextUint32() % (32 * w + 2)) + 0.5][q % 7]
            const got = filter.filter(q, cut)
            const block = records.subarray(first * w, (first + count) * w)
            const want = expectedHits(block, count, w, queries[q], cut)
            if (got * 2 !== want.length) return false
            if (!want.every((x, i) => filter.hits[i] === x)) return false
          }
        }
        return true
      },
      120,
    ),
    'random strides 1..40 words (chunk groups and scalar tails), blocks, cuts and batches of 1..5 queries',
  )
})

t.test('long records and a memory that grows and is reused', async (t) => {
  const source = new SeededNoiseSource(5)
  const filter = newCountFilter()
  for (const [m, w] of [[3, 40_001], [2000, 16], [10, 125], [5000, 1]] as const) {
    const records = words(source, m * w)
    const queries = [words(source, w), words(source, w)]
    filter.setQueries(queries, w, m)
    filter.loadBlock(records, 0, m)
    for (let q = 0; q < 2; q++) {
      const cut = 16 * w
      const got = filter.filter(q, cut)
      t.same(Array.from(filter.hits.subarray(0, 2 * got)), expectedHits(records, m, w, queries[q], cut), `m=${m}, w=${w}, query ${q}`)
    }
  }
})

t.test('argument checks', async (t) => {
  for (const useWasm of [true, false]) {
    const filter = newCountFilter(useWasm)
    if (useWasm) {
      t.throws(() => filter.setQueries([new Uint32Array(4)], 0, 8), RangeError, 'wordsPerRecord 0')
      t.throws(() => filter.setQueries([new Uint32Array(3)], 4, 8), RangeError, 'query shorter than a record')
      filter.setQueries([new Uint32Array(4)], 4, 8)
      t.throws(() => filter.loadBlock(new Uint32Array(64), 0, 9), RangeError, 'block larger than declared')
    }
    filter.setQueries([new Uint32Array(4)], 4, 8)
    filter.loadBlock(new Uint32Array(32), 0, 0)
    t.equal(filter.filter(0, Infinity), 0, `${useWasm ? 'wasm' : 'js'}: an empty block has no hits`)
    filter.loadBlock(new Uint32Array(32), 0, 8)
    t.equal(filter.filter(0, 0), 0, 'cut 0 admits nothing')
    t.equal(filter.filter(0, -3), 0, 'a negative cut admits nothing')
    t.equal(filter.filter(0, 1), 8, 'identical records all have count 0')
  }
})
