import t from 'tap'
import fc from 'fast-check'
import { getBit, setBit, wordsFor } from '../../../sketch/bits.js'
import {
  WindowedLce,
  editDistanceLV,
  exactLce,
  landauVishkin,
  lvRows,
  stringWindows,
  windowAt,
  windowedLce,
} from '../../../sketch/exact/landau-vishkin.js'
import { editDistanceCapped } from '../../../sketch/exact/edit.js'

/** Packs a 0/1 array MSB-first into words (zero padding), optionally at a word offset with garbage around. */
function pack(bits: number[], base = 0, fill = 0): Uint32Array {
  const out = new Uint32Array(base + wordsFor(bits.length) + base).fill(fill)
  for (let w = 0; w < wordsFor(bits.length); w++) out[base + w] = 0
  bits.forEach((b, i) => setBit(out, i, b as 0 | 1, base))
  if (fill !== 0) {
    // Garbage in the padding bits of the last word too: callers must never read past bit n.
    const used = bits.length & 31
    if (used !== 0) out[base + wordsFor(bits.length) - 1] |= fill >>> used
  }
  return out
}

/** Textbook O(na·nb) edit-distance DP. */
function editDistanceDP(a: number[], b: number[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]
}

type Op = { kind: 'sub' | 'ins' | 'del'; at: number; bit: number }

function applyEdits(a: number[], ops: Op[]): number[] {
  const b = a.slice()
  for (const op of ops) {
    const at = b.length === 0 ? 0 : op.at % (b.length + (op.kind === 'ins' ? 1 : 0))
    if (op.kind === 'sub' && b.length > 0) b[at] ^= 1
    else if (op.kind === 'del' && b.length > 0) b.splice(at, 1)
    else if (op.kind === 'ins') b.splice(at, 0, op.bit)
  }
  return b
}

const bitsArb = (maxLength: number) => fc.array(fc.integer({ min: 0, max: 1 }), { maxLength })
const opArb = fc.record({
  kind: fc.constantFrom<'sub' | 'ins' | 'del'>('sub', 'ins', 'del'),
  at: fc.nat(),
  bit: fc.integer({ min: 0, max: 1 }),
})

t.test('windowAt and exactLce read MSB-first windows at any bit offset', async (t) => {
  const bits = Array.from({ length: 77 }, (_, i) => ((i * 7) % 5) & 1)
  const words = pack(bits, 2, 0xffffffff)
  for (let x = 0; x < 77; x++) {
    const w = windowAt(words, 2, wordsFor(77), x)
    for (let q = 0; q < 32 && x + q < 77; q++) {
      if (((w >>> (31 - q)) & 1) !== bits[x + q]) t.fail(`window bit ${q} at offset ${x}`)
    }
  }
  const other = bits.slice()
  other[50] ^= 1
  const b = pack(other)
  t.equal(exactLce(words, 2, 77, b, 0, 77, 0, 0), 50, 'first mismatch at bit 50')
  t.equal(exactLce(words, 2, 77, b, 0, 77, 51, 51), 26, 'runs to the end, not into padding garbage')
  t.equal(exactLce(words, 2, 77, b, 0, 77, 3, 3, 40), 37, 'stops at the A-side limit')
  t.equal(exactLce(words, 2, 77, b, 0, 77, 77, 77), 0, 'empty at the end')
})

t.test('exactLce agrees with a bit-by-bit scan on random strings and offsets', async (t) => {
  fc.assert(
    fc.property(bitsArb(150), bitsArb(150), fc.nat(), fc.nat(), (a, b, i0, j0) => {
      const i = a.length === 0 ? 0 : i0 % (a.length + 1)
      const j = b.length === 0 ? 0 : j0 % (b.length + 1)
      // Make long common runs likely: copy a's suffix into b.
      const bb = b.slice(0, j).concat(a.slice(i), b.slice(j))
      let expected = 0
      while (i + expected < a.length && j + expected < bb.length && a[i + expected] === bb[j + expected]) expected++
      return exactLce(pack(a, 1, 0xdeadbeef), 1, a.length, pack(bb), 0, bb.length, i, j) === expected
    }),
    { numRuns: 500 },
  )
  t.pass('500 random cases')
})

t.test('stringWindows and windowedLce agree with exactLce', async (t) => {
  fc.assert(
    fc.property(bitsArb(130), bitsArb(130), fc.nat(), fc.nat(), fc.nat(), (a, b, i0, j0, l0) => {
      const i = i0 % (a.length + 1)
      const j = j0 % (b.length + 1)
      const bb = b.slice(0, j).concat(a.slice(i, i + (l0 % 70)), b.slice(j))
      const limit = i + ((l0 >>> 3) % (a.length - i + 1))
      const packedA = pack(a, 2, 0x5a5a5a5a)
      const packedB = pack(bb, 1, 0xffffffff)
      const windows = stringWindows(packedB, 1, bb.length)
      for (let y = 0; y < bb.length; y++) {
        for (let q = 0; q < 32; q++) {
          const expected = y + q < bb.length ? bb[y + q] : 0
          if (((windows[y] >>> (31 - q)) & 1) !== expected) return false
        }
      }
      const oracle = new WindowedLce(packedA, a.length, windows, bb.length)
      oracle.base = 2
      return (
        windowedLce(packedA, 2, a.length, windows, bb.length, i, j, limit) ===
          exactLce(packedA, 2, a.length, packedB, 1, bb.length, i, j, limit) &&
        oracle.lce(i, j - i) === exactLce(packedA, 2, a.length, packedB, 1, bb.length, i, j)
      )
    }),
    { numRuns: 300 },
  )
  t.pass('300 random cases')
})

t.test('LV agrees with the banded Myers baseline on long strings (edit-exact cross-check)', async (t) => {
  let state = 99
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0)
  fc.assert(
    fc.property(fc.integer({ min: 500, max: 5000 }), fc.array(opArb, { maxLength: 40 }), fc.integer({ min: 0, max: 48 }), (n, ops, k) => {
      const a = Array.from({ length: n }, () => next() >>> 31)
      const b = applyEdits(a, ops)
      const lv = editDistanceLV(pack(a), a.length, pack(b), b.length, k)
      const myers = editDistanceCapped(pack(a), a.length, pack(b), b.length, k)
      return (lv ?? k + 1) === myers
    }),
    { numRuns: 150 },
  )
  t.pass('150 random cases')
})

t.test('LV equals the plain DP (capped) on random strings with planted edits', async (t) => {
  fc.assert(
    fc.property(bitsArb(220), fc.array(opArb, { maxLength: 14 }), fc.integer({ min: 0, max: 20 }), (a, ops, k) => {
      const b = applyEdits(a, ops)
      const dp = editDistanceDP(a, b)
      const lv = editDistanceLV(pack(a, 3, 0xffffffff), a.length, pack(b), b.length, k, 3, 0)
      return lv === (dp <= k ? dp : null)
    }),
    { numRuns: 400 },
  )
  t.pass('400 random cases')
})

t.test('LV equals the plain DP on unrelated strings of unequal lengths', async (t) => {
  fc.assert(
    fc.property(bitsArb(70), bitsArb(70), fc.integer({ min: 0, max: 80 }), (a, b, k) => {
      const dp = editDistanceDP(a, b)
      return editDistanceLV(pack(a), a.length, pack(b), b.length, k) === (dp <= k ? dp : null)
    }),
    { numRuns: 300 },
  )
  t.pass('300 random cases')
})

t.test('distances exactly 0, k and k + 1 at lengths that are not multiples of 32', async (t) => {
  let state = 12345
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0)
  for (const n of [1, 31, 33, 95, 1000, 4097]) {
    const a = Array.from({ length: n }, () => next() >>> 31)
    t.equal(editDistanceLV(pack(a), n, pack(a), n, 0), 0, `n=${n}: identical strings at k = 0`)
    const b = a.slice()
    const subs = Math.min(6, n)
    for (let q = 0; q < subs; q++) b[Math.floor(((q + 0.5) * n) / subs)] ^= 1
    const k = editDistanceDP(a, b)
    t.ok(k >= 1, `n=${n}: planted distance ${k} is positive`)
    t.equal(editDistanceLV(pack(a), n, pack(b), n, k), k, `n=${n}: distance k found at cap k`)
    t.equal(editDistanceLV(pack(a), n, pack(b), n, k - 1), null, `n=${n}: distance k is above cap k − 1`)
    // One more edit (an insertion): unequal lengths, distance k or k + 1.
    const c = b.slice()
    c.splice(Math.floor(n / 3), 0, 1 - b[Math.floor(n / 3)])
    const kc = editDistanceDP(a, c)
    t.equal(editDistanceLV(pack(a), n, pack(c), n + 1, kc), kc, `n=${n}: unequal lengths at cap = distance`)
    t.equal(editDistanceLV(pack(c), n + 1, pack(a), n, kc + 5), kc, `n=${n}: symmetric, cap above distance`)
    t.equal(editDistanceLV(pack(a), n, pack(c), n + 1, kc - 1), null, `n=${n}: one below the distance is null`)
  }
})

t.test('length difference above k is null without calling the oracle', async (t) => {
  let calls = 0
  t.equal(landauVishkin(10, 20, 9, { lce: () => (calls++, 0) }), null)
  t.equal(calls, 0)
  t.equal(landauVishkin(0, 0, 0, { lce: () => 0 }), 0, 'empty strings')
  t.equal(landauVishkin(0, 5, 5, { lce: () => 0 }), 5, 'insert everything')
  t.throws(() => landauVishkin(-1, 3, 2, { lce: () => 0 }), RangeError)
  t.throws(() => landauVishkin(3, 3, 1.5, { lce: () => 0 }), RangeError)
})

t.test('reused F rows (dirty from runs with other caps and strings) give the answers of fresh ones', async (t) => {
  const rows = lvRows(40)
  fc.assert(
    fc.property(bitsArb(120), fc.array(opArb, { maxLength: 25 }), fc.integer({ min: 0, max: 40 }), (a, ops, k) => {
      const b = applyEdits(a, ops)
      const oracle = new WindowedLce(pack(a), a.length, stringWindows(pack(b), 0, b.length), b.length)
      const fresh = landauVishkin(a.length, b.length, k, oracle)
      const dp = editDistanceDP(a, b)
      return fresh === (dp <= k ? dp : null) && landauVishkin(a.length, b.length, k, oracle, rows) === fresh
    }),
    { numRuns: 300 },
  )
  t.throws(() => landauVishkin(5, 5, 41, { lce: () => 0 }, rows), RangeError, 'rows shorter than 2k + 3 refused')
  t.throws(() => landauVishkin(2 ** 29 + 1, 2 ** 29 + 1, 1, { lce: () => 0 }), RangeError, 'lengths past 2^29 refused')
})

t.test('oracle is called only inside both strings', async (t) => {
  fc.assert(
    fc.property(fc.nat(60), fc.nat(60), fc.nat(30), (na, nb, k) => {
      let ok = true
      landauVishkin(na, nb, k, {
        lce: (i, d) => {
          if (i < 0 || i > na || i + d < 0 || i + d > nb) ok = false
          return 0
        },
      })
      return ok
    }),
  )
  t.pass('bounds respected')
})

t.test('getBit round trip of the test packer', async (t) => {
  const bits = [1, 0, 1, 1, 0]
  const w = pack(bits, 1, 0xffffffff)
  t.same(bits.map((_, i) => getBit(w, i, 1)), bits)
})
