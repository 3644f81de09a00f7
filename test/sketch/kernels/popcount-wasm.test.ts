import t from 'tap'
import fc from 'fast-check'
import { exactHammingScan } from '../../../sketch/exact/hamming.js'
import { wasmXorPopcountScan } from '../../../sketch/kernels/popcount-wasm.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { fillExtremeWords } from '../../support/count-filters.js'

const SEED = 4_096

/**
 * m·wordsPerRecord words (plus `slack` more) in a view starting `offsetWords` words into a fresh
 * (Shared)ArrayBuffer: random words, except that word kinds are drawn so that runs of all-ones
 * (every byte lane at its maximum count) and all-zeros words are common.
 */
function recordView(
  source: SeededNoiseSource,
  words: number,
  offsetWords: number,
  shared: boolean,
  slack = 0,
): Uint32Array {
  const bytes = (offsetWords + words + slack) * 4
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)
  return fillExtremeWords(source, new Uint32Array(buffer, offsetWords * 4, words + slack))
}

const scan = wasmXorPopcountScan()

t.test('WebAssembly SIMD is available on the supported Node', async (t) => {
  t.ok(scan !== null, 'wasmXorPopcountScan() returns a scan')
  t.equal(wasmXorPopcountScan(), scan, 'the instance is created once and shared')
})

t.test('results equal exactHammingScan', async (t) => {
  if (scan === null) return t.fail('WebAssembly SIMD unavailable')
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 3000 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 0, max: 5 }),
          fc.boolean(),
          fc.integer(),
          (m, wordsPerRecord, offsetWords, shared, seed) => {
            const source = new SeededNoiseSource(seed)
            const records = recordView(source, m * wordsPerRecord, offsetWords, shared, source.nextUint32() % 3)
            // The query may be longer than one record; only its first wordsPerRecord words count.
            const query = recordView(source, wordsPerRecord, offsetWords, shared, 2)
            const expected = exactHammingScan(records, m, wordsPerRecord, query)
            const actual = scan(records, m, wordsPerRecord, query)
            return actual.length === m && expected.every((d, r) => actual[r] === d)
          },
        ),
        { seed: SEED, numRuns: 150 },
      ),
    'random m in 0..3000, wordsPerRecord in 1..40, (shared) views with byteOffset 0..20',
  )
})

t.test('long records, several blocks, growing memory', async (t) => {
  if (scan === null) return t.fail('WebAssembly SIMD unavailable')
  const source = new SeededNoiseSource(SEED + 1)
  // 124 words = 31 chunks (one full byte-lane group); 125..131 cross into a second group; 1000 is
  // 8 groups with a tail; 40_000 words (160 KiB) is longer than a copy block; 16 at m = 20_000 is
  // several blocks with a partial last one. Alternating sizes makes the memory grow and be reused.
  const cases: Array<[number, number]> = [
    [20_000, 16],
    [50, 124],
    [50, 125],
    [50, 131],
    [5, 40_000],
    [30, 1000],
    [20_000, 3],
    [7, 40_001],
  ]
  for (const [m, wordsPerRecord] of cases) {
    const records = recordView(source, m * wordsPerRecord, 1, true)
    const query = recordView(source, wordsPerRecord, 3, false)
    const out = new Int32Array(m + 2).fill(-1)
    const actual = scan(records, m, wordsPerRecord, query, out)
    t.equal(actual, out, `m=${m}, w=${wordsPerRecord}: writes into the given out`)
    t.same(out.subarray(0, m), exactHammingScan(records, m, wordsPerRecord, query), `m=${m}, w=${wordsPerRecord}`)
    t.same([out[m], out[m + 1]], [-1, -1], `m=${m}, w=${wordsPerRecord}: nothing written past m`)
  }

  // All-ones against all-zeros: every byte lane reaches 8 per chunk, 248 after a full group.
  for (const wordsPerRecord of [1, 4, 124, 125, 1001]) {
    const m = 3
    const ones = new Uint32Array(m * wordsPerRecord).fill(0xffffffff)
    const zeros = new Uint32Array(wordsPerRecord)
    t.same(
      Array.from(scan(ones, m, wordsPerRecord, zeros)),
      new Array(m).fill(32 * wordsPerRecord),
      `complementary records, w=${wordsPerRecord}`,
    )
  }
})

t.test('argument checks match exactHammingScan', async (t) => {
  if (scan === null) return t.fail('WebAssembly SIMD unavailable')
  const records = new Uint32Array(8)
  const query = new Uint32Array(4)
  t.throws(() => scan(records, 3, 4, query), RangeError, 'records shorter than m records')
  t.throws(() => scan(records, 2, 5, new Uint32Array(5)), RangeError, 'records shorter than m records (stride)')
  t.throws(() => scan(records, 2, 4, new Uint32Array(3)), RangeError, 'query shorter than one record')
  t.throws(() => scan(records, 2, 4, query, new Int32Array(1)), RangeError, 'out shorter than m')
  t.throws(() => scan(records, -1, 4, query), RangeError, 'negative m')
  t.throws(() => scan(records, 1.5, 4, query), RangeError, 'fractional m')
  t.throws(() => scan(records, 2, -4, query), RangeError, 'negative wordsPerRecord')
  t.same(scan(records, 0, 4, query), new Int32Array(0), 'm = 0')
  t.same(scan(records, 2, 0, query), new Int32Array(2), 'wordsPerRecord = 0: all distances 0')
  t.same(scan(records, 2, 0, query), exactHammingScan(records, 2, 0, query), 'wordsPerRecord = 0 as exact')
})
