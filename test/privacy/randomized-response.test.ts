import t from 'tap'
import fc from 'fast-check'
import { CryptoNoiseSource, type NoiseSource } from '../../privacy/noise-source.js'
import {
  WIDE_PATH_BELOW,
  expectedFlips,
  flipProbability,
  randomizedResponse,
  type FlipProbability,
} from '../../privacy/randomized-response.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { binomialSd } from './stats.js'

/** A NoiseSource that replays a fixed list of words, then repeats `fill` forever. */
class ScriptedNoise implements NoiseSource {
  #i = 0
  drawn = 0
  constructor(
    readonly words: number[],
    readonly fill = 0,
  ) {}
  nextUint32(): number {
    this.drawn++
    return this.#i < this.words.length ? this.words[this.#i++] >>> 0 : this.fill >>> 0
  }
  fillUint32(out: Uint32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.nextUint32()
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) >>> 0
}

function countOnes(words: Uint32Array): number {
  let c = 0
  for (let i = 0; i < words.length; i++) c += popcount(words[i])
  return c
}

/** A FlipProbability with a chosen threshold (for exactness tests of the comparison). */
function withThreshold(threshold32: number, wideThreshold: number | null): FlipProbability {
  const pTilde = wideThreshold === null ? threshold32 / 2 ** 32 : wideThreshold / 2 ** 53
  return {
    epsilonMicro: 1,
    delta: 1,
    p: pTilde,
    pTilde,
    threshold32,
    wideThreshold,
    realisedEpsilonPerCell: Math.log((1 - pTilde) / pTilde),
  }
}

t.test('flipProbability: p̃ ≥ p, realised ε per cell ≤ ε/Δ, wide path iff p < 2^-20 (property)', async (t) => {
  const check = (epsilonMicro: number, delta: number): boolean => {
    const f = flipProbability(epsilonMicro, delta)
    const perCell = epsilonMicro / 1e6 / delta
    const ideal = 1 / (1 + Math.exp(perCell))
    const wide = f.wideThreshold !== null
    const okThreshold = wide
      ? Number.isInteger(f.wideThreshold) && f.wideThreshold! >= 1 && f.pTilde === f.wideThreshold! / 2 ** 53
      : Number.isInteger(f.threshold32) && f.threshold32 >= 1 && f.threshold32 <= 2 ** 31 && f.pTilde === f.threshold32 / 2 ** 32
    // Independent of the implementation's formula: ln(1 − p̃) − ln p̃ ≤ ε/Δ.
    const realised = Math.log(1 - f.pTilde) - Math.log(f.pTilde)
    // Not wastefully large: at most one grid step (plus the tiny relative padding) above p.
    const grid = wide ? 2 ** -53 : 2 ** -32
    const tight = f.pTilde <= Math.max(ideal * (1 + 2 ** -38) + grid, grid) || f.pTilde === 0.5
    return (
      okThreshold &&
      f.pTilde >= f.p &&
      f.pTilde >= ideal &&
      f.realisedEpsilonPerCell <= perCell &&
      realised <= perCell &&
      f.realisedEpsilonPerCell >= 0 &&
      wide === f.p < WIDE_PATH_BELOW &&
      f.pTilde <= 0.5 &&
      tight
    )
  }
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 1, max: 4096 }), check),
      { numRuns: 20_000, seed: 42 },
    ),
  )
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 2 ** 40 }), check),
      { numRuns: 20_000, seed: 43 },
    ),
  )
  // A dense sweep through the interesting range of ε/Δ, including both sides of the wide-path boundary.
  let allOk = true
  let sawWide = false
  let sawNarrow = false
  for (let micro = 1000; micro <= 40_000_000; micro = Math.ceil(micro * 1.0007)) {
    for (const delta of [1, 2, 3, 7]) {
      allOk &&= check(micro, delta)
      const f = flipProbability(micro, delta)
      if (f.wideThreshold === null) sawNarrow = true
      else sawWide = true
    }
  }
  t.ok(allOk, 'dense sweep of ε/Δ from 0.001 to 40')
  t.ok(sawWide && sawNarrow, 'the sweep crosses the wide-path boundary')
})

// Fixed-point arithmetic with 300 fractional bits, to check p̃ ≥ p without floating point.
const FRAC_BITS = 300n
const ONE = 1n << FRAC_BITS

/** A lower bound on e^{num/den} · 2^300 (truncated series; the error is far below 2^200). */
function expLowerBound(num: bigint, den: bigint): bigint {
  const whole = num / den
  const rest = num % den
  // e^{rest/den} by its Taylor series, every term rounded down.
  let term = ONE
  let sum = ONE
  for (let k = 1n; term !== 0n; k++) {
    term = (term * rest) / (den * k)
    sum += term
  }
  // e by its series, then e^whole by repeated multiplication (rounded down).
  let e = 0n
  term = ONE
  for (let k = 1n; term !== 0n; k++) {
    e += term
    term /= k
  }
  let result = sum
  for (let i = 0n; i < whole; i++) result = (result * e) >> FRAC_BITS
  return result - (1n << 200n)
}

t.test('flipProbability: p̃ ≥ the true p = 1/(1+e^{ε/Δ}), checked in 300-bit fixed point (property)', async (t) => {
  // p̃ = thr/2^B ≥ 1/(1+e^x)  ⟺  thr·(1 + e^x) ≥ 2^B, with x = epsilonMicro / (10^6·Δ) exactly.
  const check = (epsilonMicro: number, delta: number): boolean => {
    const f = flipProbability(epsilonMicro, delta)
    const bits = f.wideThreshold === null ? 32n : 53n
    const thr = BigInt(f.wideThreshold ?? f.threshold32)
    const ex = expLowerBound(BigInt(epsilonMicro), 1_000_000n * BigInt(delta))
    return thr * (ONE + ex) >= ONE << bits
  }
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40_000_000 }), fc.integer({ min: 1, max: 64 }), check),
      { numRuns: 3000, seed: 99 },
    ),
  )
  // Around the wide-path boundary and at ε/Δ where p·2^32 is close to an integer, densely.
  let ok = true
  for (let micro = 13_800_000; micro <= 13_900_000; micro += 97) ok &&= check(micro, 1)
  for (let micro = 1; micro <= 3_000_000; micro += 1009) ok &&= check(micro, 1)
  t.ok(ok, 'dense ranges')
})

t.test('flipProbability: known values and edge cases', async (t) => {
  const one = flipProbability(1_000_000, 1)
  t.ok(Math.abs(one.p - 1 / (1 + Math.E)) < 1e-15)
  t.equal(one.wideThreshold, null)
  t.equal(one.threshold32, Math.ceil(one.p * 2 ** 32))
  t.equal(flipProbability(2_000_000, 2).threshold32, one.threshold32, 'only ε/Δ matters')

  // p just above and just below 2^-20: ε/Δ = ln(2^20 − 1) ≈ 13.8629.
  const boundary = Math.log(2 ** 20 - 1) * 1e6
  t.equal(flipProbability(Math.floor(boundary) - 1, 1).wideThreshold, null)
  t.not(flipProbability(Math.ceil(boundary) + 1, 1).wideThreshold, null)

  // Huge ε: the ideal p underflows, the threshold stays ≥ 1 so a cell can still flip.
  const huge = flipProbability(1e12, 1)
  t.equal(huge.wideThreshold, 1)
  t.equal(huge.pTilde, 2 ** -53)
  t.ok(huge.realisedEpsilonPerCell <= 1e6 && huge.realisedEpsilonPerCell > 36)

  // Tiny ε/Δ: p̃ is capped at 1/2 (no information, realised ε 0).
  const tiny = flipProbability(1, 1_000_000)
  t.equal(tiny.pTilde, 0.5)
  t.equal(tiny.realisedEpsilonPerCell, 0)

  t.equal(expectedFlips(one, 1000), one.pTilde * 1000)
  for (const [e, d] of [[0, 1], [-1, 1], [1.5, 1], [NaN, 1], [1, 0], [1, 0.5], [1, -2]]) {
    t.throws(() => flipProbability(e, d), RangeError, `rejects (${e}, ${d})`)
  }
})

t.test('randomizedResponse: bit layout, offsets, partial last word', async (t) => {
  const f = flipProbability(1_000_000, 1)
  for (const nCells of [0, 1, 5, 31, 32, 33, 63, 64, 65, 70, 96, 100, 1000]) {
    const words = new Uint32Array(40)
    for (let i = 0; i < words.length; i++) words[i] = (i * 0x9e3779b9) >>> 0
    const before = words.slice()
    const offset = 3
    // All-zero random words make every cell's uniform integer 0 < threshold: every cell flips.
    randomizedResponse(words, offset, nCells, f, new ScriptedNoise([], 0))
    let ok = true
    for (let w = 0; w < words.length; w++) {
      let expectedMask = 0
      for (let c = 0; c < nCells; c++) if (offset + (c >>> 5) === w) expectedMask |= 1 << (31 - (c & 31))
      if (((before[w] ^ expectedMask) >>> 0) !== words[w]) ok = false
    }
    t.ok(ok, `nCells=${nCells}: exactly cells 0..nCells−1 after offset flipped, everything else untouched`)
    // All-ones random words: u = 2^32 − 1 ≥ threshold, nothing flips.
    const again = before.slice()
    randomizedResponse(again, offset, nCells, f, new ScriptedNoise([], 0xffffffff))
    t.same(again, before, `nCells=${nCells}: no flips when every uniform integer is maximal`)
  }
  t.throws(() => randomizedResponse(new Uint32Array(2), 1, 33, f, new ScriptedNoise([])), RangeError)
  t.throws(() => randomizedResponse(new Uint32Array(2), -1, 1, f, new ScriptedNoise([])), RangeError)
  t.throws(() => randomizedResponse(new Uint32Array(2), 0, 1.5, f, new ScriptedNoise([])), RangeError)
  t.throws(() => randomizedResponse(new Uint32Array(2), 0, 8, withThreshold(2 ** 31 + 1, null), new ScriptedNoise([])), RangeError)
  t.throws(() => randomizedResponse(new Uint32Array(2), 0, 8, withThreshold(1, 0.5), new ScriptedNoise([])), RangeError)
})

/** The uniform integer of cell j when random word b supplies its b-th most significant bit. */
function cellValue(planes: number[], j: number): bigint {
  let u = 0n
  for (const r of planes) u = (u << 1n) | BigInt((r >>> (31 - j)) & 1)
  return u
}

t.test('randomizedResponse: the bit-sliced mask equals u_j < threshold for every cell (property)', async (t) => {
  // One stored word: the random words are the bit planes of the 32 cells' uniform integers, most
  // significant first. Whatever the implementation skips must not change the answer.
  const run = (planes: number[], threshold32: number, wide: number | null, nCells: number): boolean => {
    const words = new Uint32Array(1)
    randomizedResponse(words, 0, nCells, withThreshold(threshold32, wide), new ScriptedNoise(planes, 0x5a5a5a5a))
    const limit = BigInt(wide ?? threshold32)
    let expected = 0
    for (let j = 0; j < nCells; j++) if (cellValue(planes, j) < limit) expected |= 1 << (31 - j)
    return words[0] === expected >>> 0
  }
  const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 })
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.array(u32, { minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 32 }),
        (planes, thr, nCells) => run(planes, thr, null, nCells)),
      { numRuns: 3000, seed: 1 },
    ),
  )
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.array(u32, { minLength: 53, maxLength: 53 }), fc.integer({ min: 1, max: 2 ** 53 - 1 }), fc.integer({ min: 1, max: 32 }),
        (planes, wide, nCells) => run(planes, 1, wide, nCells)),
      { numRuns: 3000, seed: 2 },
    ),
  )
  // Prefixes equal to the threshold: planes that spell the threshold exactly for some cells
  // (u_j = threshold must not flip, u_j = threshold − 1 must).
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 31 }), fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 32, maxLength: 32 }),
        (thr, offsets) => {
          const planes = new Array<number>(32).fill(0)
          offsets.forEach((d, j) => {
            const value = thr + d
            for (let b = 0; b < 32; b++) if ((value >>> (31 - b)) & 1) planes[b] |= 1 << (31 - j)
          })
          return run(planes.map((x) => x >>> 0), thr, null, 32)
        }),
      { numRuns: 1000, seed: 3 },
    ),
  )
})

t.test('randomizedResponse: empirical flip rate within 4 standard errors of p̃ on 10^7 cells', async (t) => {
  const nCells = 10_000_000
  const words = new Uint32Array(Math.ceil(nCells / 32))
  for (const target of [0.45, 0.3, 0.1, 1e-2, 1e-3, 1e-4, 1e-5, 2e-6, 1e-6, 5e-7, 1e-7]) {
    const epsilonMicro = Math.round(Math.log((1 - target) / target) * 1e6)
    const f = flipProbability(epsilonMicro, 1)
    words.fill(0)
    randomizedResponse(words, 0, nCells, f, new SeededNoiseSource(`rate-${target}`))
    const flips = countOnes(words)
    const sd = binomialSd(nCells, f.pTilde)
    const z = (flips - nCells * f.pTilde) / sd
    t.ok(Math.abs(z) <= 4, `p≈${target} (${f.wideThreshold === null ? '32' : '53'}-bit): ${flips} flips, expected ${(nCells * f.pTilde).toFixed(1)}, z=${z.toFixed(2)}`)
  }
})

t.test('randomizedResponse: the 53-bit comparison has the right rate where the test has power', async (t) => {
  // The wide path is normally used only for p < 2^-20, where 10^7 cells see a handful of flips. Forcing
  // it at larger p checks the 53-plane comparison statistically with real power.
  const nCells = 10_000_000
  const words = new Uint32Array(Math.ceil(nCells / 32))
  for (const p of [0.3, 0.01, 1e-4]) {
    const f = withThreshold(1, Math.ceil(p * 2 ** 53))
    words.fill(0)
    randomizedResponse(words, 0, nCells, f, new SeededNoiseSource(`wide-${p}`))
    const z = (countOnes(words) - nCells * f.pTilde) / binomialSd(nCells, f.pTilde)
    t.ok(Math.abs(z) <= 4, `53-bit threshold at p=${p}: z=${z.toFixed(2)}`)
  }
})

t.test('randomizedResponse: flips are independent across cell positions and calls', async (t) => {
  const f = flipProbability(1_098_612, 1) // p ≈ 0.25
  const p = f.pTilde
  const recordCells = 77
  const records = 100_000
  const wordsPer = Math.ceil(recordCells / 32)
  const words = new Uint32Array(records * wordsPer)
  const noise = new SeededNoiseSource('independence')
  // Many small calls, as a sketch builder makes them (one per record).
  for (let r = 0; r < records; r++) randomizedResponse(words, r * wordsPer, recordCells, f, noise)
  const perPosition = new Array<number>(recordCells).fill(0)
  let adjacentBoth = 0
  let sameWordFarBoth = 0
  let nextWordBoth = 0
  let paddingTouched = 0
  for (let r = 0; r < records; r++) {
    const bit = (c: number): number => (words[r * wordsPer + (c >>> 5)] >>> (31 - (c & 31))) & 1
    for (let c = 0; c < recordCells; c++) perPosition[c] += bit(c)
    for (let c = 0; c + 1 < recordCells; c++) adjacentBoth += bit(c) & bit(c + 1)
    sameWordFarBoth += bit(0) & bit(31)
    nextWordBoth += bit(5) & bit(37)
    // Padding cells after the record's last cell stay zero.
    if (words[r * wordsPer + wordsPer - 1] & ((1 << (32 * wordsPer - recordCells)) - 1)) paddingTouched++
  }
  t.equal(paddingTouched, 0, 'padding bits after each record are never flipped')
  // 77 positions: 4.5 SE keeps the family-wise false-alarm rate below 0.1 %.
  const sd = binomialSd(records, p)
  const worst = Math.max(...perPosition.map((c) => Math.abs(c - records * p) / sd))
  t.ok(worst <= 4.5, `every cell position flips at rate p̃ (worst z=${worst.toFixed(2)})`)
  const pairs = records * (recordCells - 1)
  const zAdj = (adjacentBoth - pairs * p * p) / binomialSd(pairs, p * p)
  t.ok(Math.abs(zAdj) <= 4, `adjacent cells flip together at rate p̃² (z=${zAdj.toFixed(2)})`)
  const zFar = (sameWordFarBoth - records * p * p) / binomialSd(records, p * p)
  t.ok(Math.abs(zFar) <= 4, `cells 0 and 31 of a word flip together at rate p̃² (z=${zFar.toFixed(2)})`)
  const zNext = (nextWordBoth - records * p * p) / binomialSd(records, p * p)
  t.ok(Math.abs(zNext) <= 4, `the same position in two consecutive words flips together at rate p̃² (z=${zNext.toFixed(2)})`)
})

t.test('randomizedResponse: smoke run on the real CSPRNG', async (t) => {
  const f = flipProbability(1_098_612, 1)
  const nCells = 2_000_000
  const words = new Uint32Array(nCells / 32)
  randomizedResponse(words, 0, nCells, f, new CryptoNoiseSource())
  const z = (countOnes(words) - nCells * f.pTilde) / binomialSd(nCells, f.pTilde)
  // Not seeded: 6 SE makes a false alarm a one-in-a-billion event.
  t.ok(Math.abs(z) <= 6, `flip rate matches p̃ (z=${z.toFixed(2)})`)
})
