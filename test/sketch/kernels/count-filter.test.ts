import t from 'tap'
import fc from 'fast-check'
import { exactHammingScan } from '../../../sketch/exact/hamming.js'
import { inPlaceCountFilter, newCountFilter } from '../../../sketch/kernels/count-filter.js'
import { SLOT_BYTES, SLOTS, allocateSketchMemory } from '../../../sketch/kernels/sketch-memory.js'
import { newKernelInstance } from '../../../sketch/kernels/popcount-wasm.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { seededProperty } from '../../support/property.js'
import { sameHits, words } from '../../support/count-filters.js'

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
    t.throws(() => filter.loadBlock(new Uint32Array(32), 6, 3), RangeError, `${useWasm ? 'wasm' : 'js'}: a block past the end of the records`)
    filter.loadBlock(new Uint32Array(32), 0, 0)
    t.equal(filter.filter(0, Infinity), 0, `${useWasm ? 'wasm' : 'js'}: an empty block has no hits`)
    filter.loadBlock(new Uint32Array(32), 0, 8)
    t.equal(filter.filter(0, 0), 0, 'cut 0 admits nothing')
    t.equal(filter.filter(0, -3), 0, 'a negative cut admits nothing')
    t.equal(filter.filter(0, 1), 8, 'identical records all have count 0')
  }
})

t.test('in place on a shared sketch memory: the same hits as the copying filter, one scratch slot per scan', async (t) => {
  const source = new SeededNoiseSource(9)
  for (const w of [1, 3, 16, 130]) {
    const m = 5000
    const { data, memory } = allocateSketchMemory(m * w)
    t.ok(memory !== null, 'the sketch lives in a shared WebAssembly memory')
    if (memory === null) return
    t.equal(data.buffer, memory.buffer, 'its view is on the memory itself')
    data.set(words(source, m * w))
    const queries = [words(source, w), words(source, w), words(source, w)]
    const inPlace = inPlaceCountFilter(memory, data, queries.length, w, 2048)
    if (inPlace === null) return t.fail('no in-place filter')
    const same = sameHits(inPlace, newCountFilter(), data, queries, w, m)
    inPlace.release()
    t.ok(same, `w=${w}: identical hits (sub-ranges of every block, three queries)`)
    t.throws(() => inPlaceCountFilter(memory, data, 1, w, 2048)?.loadBlock(new Uint32Array(data), 0, 1), RangeError, 'reads only its own sketch')
  }
})

t.test('scratch slots: taken per scan, given back, never shared; too large a batch falls back', async (t) => {
  const { data, memory } = allocateSketchMemory(64)
  if (memory === null) return t.fail('no shared memory')
  const held = Array.from({ length: SLOTS }, () => inPlaceCountFilter(memory, data, 1, 4, 16))
  t.ok(held.every((f) => f !== null), `${SLOTS} scans at once each get a slot`)
  t.equal(inPlaceCountFilter(memory, data, 1, 4, 16), null, 'the next one gets none (it uses the copying filter)')
  held[3]!.release()
  held[3]!.release() // twice is harmless
  const again = inPlaceCountFilter(memory, data, 1, 4, 16)
  t.ok(again !== null, 'a released slot is taken again')
  t.equal(inPlaceCountFilter(memory, data, 1, 4, 16), null, 'and only once')
  for (const f of [...held, again]) f?.release()
  t.equal(inPlaceCountFilter(memory, data, SLOT_BYTES / 16, 4, 16), null, 'queries that do not fit a slot: none')
  t.equal(inPlaceCountFilter(memory, new Uint32Array(64), 1, 4, 16), null, 'data outside the memory: none')
  const plain = allocateSketchMemory(0)
  t.equal(plain.data.length, 0, 'an empty sketch is fine')
})
