import t from 'tap'
import fc from 'fast-check'
import { setBit, wordsFor } from '../../../sketch/bits.js'
import { editDistanceCapped, editDistanceScan } from '../../../sketch/exact/edit.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { seededProperty } from '../../support/property.js'

const SEED = 4_096

const property = seededProperty(SEED)

/** Plain O(na·nb) Levenshtein dynamic programme (two rows). */
function editDistanceDP(a: number[], b: number[]): number {
  let prev = new Int32Array(b.length + 1)
  let cur = new Int32Array(b.length + 1)
  for (let j = 0; j <= b.length; j++) prev[j] = j
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i
    const ai = a[i - 1]
    for (let j = 1; j <= b.length; j++) {
      const diagonal = prev[j - 1] + (ai === b[j - 1] ? 0 : 1)
      const up = prev[j] + 1
      const left = cur[j - 1] + 1
      cur[j] = diagonal < up ? (diagonal < left ? diagonal : left) : up < left ? up : left
    }
    const swap = prev
    prev = cur
    cur = swap
  }
  return prev[b.length]
}

const capped = (d: number, k: number) => (d <= k ? d : k + 1)

/**
 * Packs bits MSB-first at word offset `base`. With `garbage`, every word outside the string and the
 * padding bits of its last word are set to ones: the functions must read nothing but the n bits.
 */
function pack(bits: number[], base = 0, garbage = false): Uint32Array {
  const nWords = wordsFor(bits.length)
  const out = new Uint32Array(base + nWords + 2)
  if (garbage) {
    out.fill(0xffffffff)
    out.fill(0, base, base + nWords)
    const used = bits.length & 31
    if (used !== 0) out[base + nWords - 1] = 0xffffffff >>> used
  }
  bits.forEach((bit, i) => setBit(out, i, bit as 0 | 1, base))
  return out
}

type Op = { kind: 'sub' | 'ins' | 'del'; at: number; bit: number }

function applyEdits(a: number[], ops: Op[]): number[] {
  const b = a.slice()
  for (const op of ops) {
    if (op.kind === 'ins') b.splice(op.at % (b.length + 1), 0, op.bit)
    else if (b.length > 0 && op.kind === 'sub') b[op.at % b.length] ^= 1
    else if (b.length > 0) b.splice(op.at % b.length, 1)
  }
  return b
}

function randomBitArray(source: SeededNoiseSource, n: number): number[] {
  return Array.from({ length: n }, () => source.nextUint32() & 1)
}

// size 'max': lengths spread over the whole range (the default favours short arrays).
const bitsArb = (maxLength: number) => fc.array(fc.integer({ min: 0, max: 1 }), { maxLength, size: 'max' })
const opArb = fc.record({
  kind: fc.constantFrom<'sub' | 'ins' | 'del'>('sub', 'ins', 'del'),
  at: fc.nat(),
  bit: fc.integer({ min: 0, max: 1 }),
})

t.test('random unrelated strings of unequal lengths', async (t) => {
  t.doesNotThrow(
    property(
      [bitsArb(200), bitsArb(200), fc.nat({ max: 250 }), fc.nat({ max: 3 }), fc.nat({ max: 3 })],
      (a, b, k, aBase, bBase) => {
        const got = editDistanceCapped(pack(a, aBase, true), a.length, pack(b, bBase, true), b.length, k, aBase, bBase)
        return got === capped(editDistanceDP(a, b), k)
      },
      400,
    ),
    'matches the DP (capped at k) for lengths 0..200, k 0..250, offsets and garbage around the strings',
  )
})

t.test('strings with planted substitutions, insertions and deletions', async (t) => {
  t.doesNotThrow(
    property(
      [
        bitsArb(1000),
        fc.array(opArb, { maxLength: 40, size: 'max' }),
        fc.integer({ min: -3, max: 3 }),
        fc.nat({ max: 3 }),
      ],
      (a, ops, kShift, base) => {
        const b = applyEdits(a, ops)
        const d = editDistanceDP(a, b)
        const pa = pack(a, base, true)
        const pb = pack(b, 0, true)
        // The cap around the true distance: below it (k + 1 expected), at it and above it.
        const k = Math.max(0, d + kShift)
        return (
          editDistanceCapped(pa, a.length, pb, b.length, k, base, 0) === capped(d, k) &&
          editDistanceCapped(pa, a.length, pb, b.length, ops.length, base, 0) === d
        )
      },
      150,
    ),
    'matches the DP with k at, just below and just above the true distance',
  )
})

t.test('distance 0, k, k + 1 and above k at lengths around word boundaries', async (t) => {
  const source = new SeededNoiseSource('boundaries')
  for (const na of [1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128, 129, 200]) {
    const a = randomBitArray(source, na)
    const pa = pack(a)
    t.equal(editDistanceCapped(pa, na, pa, na, 0), 0, `n = ${na}: identical strings at k = 0`)
    const ops: Op[] = Array.from({ length: 6 }, (_, i) => ({
      kind: (['sub', 'ins', 'del'] as const)[i % 3],
      at: source.nextUint32(),
      bit: source.nextUint32() & 1,
    }))
    const b = applyEdits(a, ops)
    const pb = pack(b)
    const d = editDistanceDP(a, b)
    t.equal(editDistanceCapped(pa, na, pb, b.length, d), d, `n = ${na}: k = d = ${d}`)
    if (d > 0) t.equal(editDistanceCapped(pa, na, pb, b.length, d - 1), d, `n = ${na}: k = d − 1 gives k + 1`)
    if (d > 2) t.equal(editDistanceCapped(pa, na, pb, b.length, d - 3), d - 2, `n = ${na}: k = d − 3 gives k + 1`)
    t.equal(editDistanceCapped(pa, na, pb, b.length, 10 * na), d, `n = ${na}: k far above d`)
    t.equal(editDistanceCapped(pb, b.length, pa, na, d), d, `n = ${na}: symmetric`)
  }
})

t.test('empty strings', async (t) => {
  const empty = new Uint32Array(0)
  const five = pack([1, 0, 1, 1, 0])
  t.equal(editDistanceCapped(empty, 0, empty, 0, 0), 0, 'both empty')
  t.equal(editDistanceCapped(empty, 0, five, 5, 5), 5, 'empty vs 5 bits, k = 5')
  t.equal(editDistanceCapped(five, 5, empty, 0, 9), 5, '5 bits vs empty, k = 9')
  t.equal(editDistanceCapped(empty, 0, five, 5, 4), 5, 'empty vs 5 bits, k = 4 gives k + 1')
  t.equal(editDistanceCapped(five, 5, empty, 0, 0), 1, 'k = 0 gives 1')
})

t.test('long strings: n = 4096 with at most 32 planted edits, and unrelated strings', async (t) => {
  const source = new SeededNoiseSource('long')
  const n = 4096
  for (const edits of [8, 20, 32]) {
    const a = randomBitArray(source, n)
    const ops: Op[] = Array.from({ length: edits }, (_, i) => ({
      kind: (['sub', 'ins', 'del'] as const)[(source.nextUint32() + i) % 3],
      at: source.nextUint32(),
      bit: source.nextUint32() & 1,
    }))
    const b = applyEdits(a, ops)
    const d = editDistanceDP(a, b)
    const pa = pack(a)
    const pb = pack(b)
    t.equal(editDistanceCapped(pa, n, pb, b.length, 32), capped(d, 32), `${ops.length} edits: k = 32`)
    t.equal(editDistanceCapped(pa, n, pb, b.length, d), d, `${ops.length} edits: k = d = ${d}`)
    t.equal(editDistanceCapped(pa, n, pb, b.length, d - 1), d, `${ops.length} edits: k = d − 1`)
  }
  const a = randomBitArray(source, n)
  const c = randomBitArray(source, n)
  const d = editDistanceDP(a, c)
  t.ok(d > 32, `unrelated strings are far apart (${d})`)
  t.equal(editDistanceCapped(pack(a), n, pack(c), n, 32), 33, 'unrelated strings at k = 32 give k + 1')
  t.equal(editDistanceCapped(pack(a), n, pack(c), n, n), d, 'unrelated strings with k = n: the exact distance')
})

t.test('editDistanceScan equals editDistanceCapped record by record', async (t) => {
  t.doesNotThrow(
    property(
      [
        fc.integer({ min: 0, max: 300 }),
        fc.nat({ max: 2 }),
        fc.integer({ min: 0, max: 12 }),
        fc.nat({ max: 60 }),
        fc.integer(),
      ],
      (n, extraWords, m, k, seed) => {
        const source = new SeededNoiseSource(seed)
        const wordsPerRecord = wordsFor(n) + extraWords
        const query = randomBitArray(source, n)
        const records = new Uint32Array(m * wordsPerRecord)
        const strings: number[][] = []
        for (let r = 0; r < m; r++) {
          // Half close to the query (substitutions keep the length n), half unrelated.
          let bits: number[]
          if (r % 2 === 0) {
            bits = query.slice()
            const edits = source.nextUint32() % (k + 5)
            for (let e = 0; e < edits && n > 0; e++) bits[source.nextUint32() % n] ^= 1
          } else {
            bits = randomBitArray(source, n)
          }
          strings.push(bits)
          records.set(pack(bits).subarray(0, wordsFor(n)), r * wordsPerRecord)
        }
        const scan = editDistanceScan(records, m, wordsPerRecord, n, pack(query), k)
        if (scan.length !== m) return false
        for (let r = 0; r < m; r++) {
          const expected = capped(editDistanceDP(strings[r], query), k)
          if (scan[r] !== expected) return false
          if (editDistanceCapped(records, n, pack(query), n, k, r * wordsPerRecord, 0) !== expected) return false
        }
        return true
      },
      150,
    ),
    'random and planted records, padded strides, k 0..60',
  )

  const source = new SeededNoiseSource('scan')
  const n = 100
  const records = new Uint32Array(5 * wordsFor(n))
  for (let r = 0; r < 5; r++) records.set(pack(randomBitArray(source, n)).subarray(0, wordsFor(n)), r * wordsFor(n))
  const query = records.slice(2 * wordsFor(n), 3 * wordsFor(n))
  const out = new Int32Array(7).fill(-1)
  t.equal(editDistanceScan(records, 5, wordsFor(n), n, query, 10, out), out, 'writes into the caller array')
  t.equal(out[2], 0, 'the record equal to the query is at distance 0')
  t.same(Array.from(out.subarray(5)), [-1, -1], 'entries past m untouched')
  t.same(editDistanceScan(records, 0, wordsFor(n), n, query, 10), new Int32Array(0), 'm = 0')
  t.same(editDistanceScan(new Uint32Array(3), 3, 1, 0, new Uint32Array(0), 2), new Int32Array(3), 'n = 0: all distances 0')
  t.throws(() => editDistanceScan(records, 6, wordsFor(n), n, query, 10), RangeError, 'more records than stored')
  t.throws(() => editDistanceScan(records, 5, 3, n, query, 10), RangeError, 'stride smaller than a record')
  t.throws(() => editDistanceScan(records, 5, wordsFor(n), n, query.subarray(1), 10), RangeError, 'short query')
  t.throws(() => editDistanceScan(records, 5, wordsFor(n), n, query, 10, new Int32Array(4)), RangeError, 'short output')
})

t.test('argument checks', async (t) => {
  const a = pack([1, 0, 1])
  t.throws(() => editDistanceCapped(a, 3, a, 3, -1), RangeError, 'negative k')
  t.throws(() => editDistanceCapped(a, 3, a, 3, 1.5), RangeError, 'fractional k')
  t.throws(() => editDistanceCapped(a, 200, a, 3, 300), RangeError, 'string longer than its array')
  t.throws(() => editDistanceCapped(a, 3, a, 3, 2, 0, 9), RangeError, 'offset past the end')
})
