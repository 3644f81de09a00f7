import t from 'tap'
import fc from 'fast-check'
import { getBit, randomBits, wordsFor } from '../../../sketch/bits.js'
import { exactHammingScan, hammingDistance } from '../../../sketch/exact/hamming.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { seededProperty } from '../../support/property.js'

const SEED = 1_024

const property = seededProperty(SEED)

/** Per-bit count of differing positions among the first n bits. */
function naiveHamming(a: Uint32Array, aOffset: number, b: Uint32Array, bOffset: number, n: number): number {
  let d = 0
  for (let i = 0; i < n; i++) d += getBit(a, i, aOffset) ^ getBit(b, i, bOffset)
  return d
}

/** m random n-bit records stored contiguously with `wordsPerRecord` words each (zero beyond n bits). */
function randomRecords(source: SeededNoiseSource, m: number, n: number, wordsPerRecord: number): Uint32Array {
  const records = new Uint32Array(m * wordsPerRecord)
  for (let r = 0; r < m; r++) records.set(randomBits(n, () => source.nextUint32()), r * wordsPerRecord)
  return records
}

t.test('hammingDistance equals a per-bit count', async (t) => {
  t.doesNotThrow(
    property(
      [fc.integer({ min: 0, max: 3000 }), fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.integer()],
      (n, aOffset, bOffset, seed) => {
        const source = new SeededNoiseSource(seed)
        const a = new Uint32Array(aOffset + wordsFor(n))
        const b = new Uint32Array(bOffset + wordsFor(n))
        a.set(randomBits(n, () => source.nextUint32()), aOffset)
        b.set(randomBits(n, () => source.nextUint32()), bOffset)
        return hammingDistance(a, aOffset, b, bOffset, wordsFor(n)) === naiveHamming(a, aOffset, b, bOffset, n)
      },
    ),
    'random strings, n in 0..3000, arbitrary offsets',
  )
  const n = 1024
  const zeros = new Uint32Array(wordsFor(n))
  const ones = new Uint32Array(wordsFor(n)).fill(0xffffffff)
  t.equal(hammingDistance(zeros, 0, zeros, 0, wordsFor(n)), 0, 'identical strings')
  t.equal(hammingDistance(zeros, 0, ones, 0, wordsFor(n)), n, 'complementary strings')
  t.throws(() => hammingDistance(zeros, 1, zeros, 0, wordsFor(n)), RangeError, 'string past the end')
  t.throws(() => hammingDistance(zeros, -1, zeros, 0, 1), RangeError, 'negative offset')
})

t.test('exactHammingScan equals hammingDistance record by record', async (t) => {
  t.doesNotThrow(
    property(
      [fc.integer({ min: 0, max: 2100 }), fc.nat({ max: 2 }), fc.integer({ min: 0, max: 40 }), fc.integer()],
      (n, extraWords, m, seed) => {
        const source = new SeededNoiseSource(seed)
        const wordsPerRecord = wordsFor(n) + extraWords
        const records = randomRecords(source, m, n, wordsPerRecord)
        const query = new Uint32Array(wordsPerRecord)
        query.set(randomBits(n, () => source.nextUint32()))
        const scan = exactHammingScan(records, m, wordsPerRecord, query)
        if (scan.length !== m) return false
        for (let r = 0; r < m; r++) {
          const expected = hammingDistance(records, r * wordsPerRecord, query, 0, wordsPerRecord)
          if (scan[r] !== expected || expected !== naiveHamming(records, r * wordsPerRecord, query, 0, n)) return false
        }
        return true
      },
      100,
    ),
    'random records, odd and even word counts, padded strides',
  )

  const source = new SeededNoiseSource('scan-out')
  const n = 1024
  const wordsPerRecord = wordsFor(n)
  const records = randomRecords(source, 10, n, wordsPerRecord)
  const query = records.slice(3 * wordsPerRecord, 4 * wordsPerRecord)
  const out = new Int32Array(12).fill(-7)
  const returned = exactHammingScan(records, 10, wordsPerRecord, query, out)
  t.equal(returned, out, 'writes into the caller array')
  t.equal(out[3], 0, 'the record equal to the query is at distance 0')
  t.same(Array.from(out.subarray(10)), [-7, -7], 'entries past m untouched')
  t.same(exactHammingScan(records, 0, wordsPerRecord, query), new Int32Array(0), 'm = 0')
  t.throws(() => exactHammingScan(records, 11, wordsPerRecord, query), RangeError, 'more records than stored')
  t.throws(() => exactHammingScan(records, 10, wordsPerRecord, query.subarray(1)), RangeError, 'short query')
  t.throws(() => exactHammingScan(records, 10, wordsPerRecord, query, new Int32Array(9)), RangeError, 'short output')
})
