/**
 * Randomized response on stored cells: flip every cell independently with probability p̃.
 *
 * Neighbour relation and Δ: if one protected change (unitBits bits of one record) can toggle at most
 * Δ stored cells for every fixed public hash, flipping each cell with p = 1/(1+e^{ε/Δ}) makes the
 * release ε-DP: per cell P[y|x]/P[y|x'] ≤ (1−p)/p = e^{ε/Δ}, and the Δ affected cells multiply to
 * e^{ε} (docs/privacy-model.md#releases-and-their-cost, docs/sampling.md#bernoulli-flips).
 *
 * Exact sampling: a cell flips iff its uniform 32-bit integer u is below thr = ⌈p·2^32⌉, so the
 * realised flip probability is exactly p̃ = thr/2^32 ≥ p, and the realised per-cell loss
 * ln((1−p̃)/p̃) ≤ ε/Δ. When p < 2^-20 the 32-bit grid is coarse relative to p, so u is a 53-bit
 * integer compared against W = ⌈p·2^53⌉ and p̃ = W/2^53. p is computed in double precision and then
 * padded up by a relative 2^-40 (far more than the float error of ε/Δ, exp, + and /), so p̃ ≥ p
 * holds for the true real-number p, not just for its double approximation. Estimators must use p̃.
 * p̃ is capped at 1/2 (a release with p̃ = 1/2 carries no information: ε/Δ below about 10^-9).
 *
 * Fast path, "bit-sliced" comparison: the 32 cells of one stored word are compared against the
 * threshold in parallel. Random word R_b supplies bit b (most significant first) of the uniform
 * integer of each of the 32 cells: cell j's integer is u_j = Σ_b bit(31−j of R_b)·2^(B−1−b) for
 * B = 32 (or 53) bits. Scanning b from the most significant bit with the threshold bit t_b:
 *   lt |= eq & ~R_b & t_b      (u_j < thr decided at this bit)
 *   eq &= ~(R_b ^ t_b)         (prefix of u_j still equal to the prefix of thr)
 * Once eq = 0 every cell is decided, and the remaining bits of the u_j are never needed, so they are
 * not consumed: about log2(32) + 1.3 ≈ 6.3 random words per 32 cells instead of 32 (≈ 7.3 in practice,
 * because two stored words are processed together and run until both are decided). The result is the
 * same as drawing a full uniform u_j per cell and comparing u_j < thr, so each cell flips
 * independently with exactly p̃. How many words are consumed depends only on the random bits, never on
 * the cells being flipped (no data-dependent timing).
 */
import type { NoiseSource } from './noise-source.js'
import { MICRO_PER_EPSILON } from './epsilon.js'

export interface FlipProbability {
  /** Charged ε of the release, integer micro-ε. */
  epsilonMicro: number
  /** Stored cells one protected change can toggle. */
  delta: number
  /** Ideal flip probability 1/(1+e^{ε/Δ}) in double precision (0 when it underflows). */
  p: number
  /** Realised flip probability (≥ p): threshold32/2^32, or wideThreshold/2^53 on the wide path. */
  pTilde: number
  /**
   * Flip iff a uniform 32-bit integer < threshold32 (used when wideThreshold is null). On the wide
   * path it still holds the coarse ⌈p·2^32⌉ (≥ p), but randomizedResponse and p̃ use wideThreshold.
   */
  threshold32: number
  /** When p < 2^-20: flip iff a uniform 53-bit integer < wideThreshold (an integer ≤ 2^53). */
  wideThreshold: number | null
  /** ln((1−p̃)/p̃), the realised per-cell privacy loss; never exceeds ε/Δ. */
  realisedEpsilonPerCell: number
}

const TWO_32 = 2 ** 32
const TWO_53 = 2 ** 53
/** Below this p the 53-bit comparison is used. */
export const WIDE_PATH_BELOW = 2 ** -20
// Relative upward padding of the double-precision p; the float error is below 2^-46 (see header).
const P_PAD = 1 + 2 ** -40

/** The flip probability for a release charged `epsilonMicro` whose protected change toggles ≤ `delta` cells. */
export function flipProbability(epsilonMicro: number, delta: number): FlipProbability {
  if (!Number.isSafeInteger(epsilonMicro) || epsilonMicro <= 0) {
    throw new RangeError('epsilonMicro must be a positive safe integer')
  }
  if (!Number.isSafeInteger(delta) || delta <= 0) throw new RangeError('delta must be a positive safe integer')

  const perCell = epsilonMicro / MICRO_PER_EPSILON / delta
  // p = 1/(1+e^x) = e^{-x}/(1+e^{-x}); the second form cannot overflow.
  const q = Math.exp(-perCell)
  const p = q / (1 + q)
  const pUp = p * P_PAD

  // A threshold of at least 1 keeps p̃ > 0 (p̃ = 0 would mean no privacy at all).
  const threshold32 = Math.min(TWO_32 / 2, Math.max(1, Math.ceil(pUp * TWO_32)))
  let wideThreshold: number | null = null
  let pTilde = threshold32 / TWO_32
  if (p < WIDE_PATH_BELOW) {
    wideThreshold = Math.max(1, Math.ceil(pUp * TWO_53))
    pTilde = wideThreshold / TWO_53
  }
  // 1 − 2p̃ is exact for a dyadic p̃, so log1p gives an accurate ln((1−p̃)/p̃).
  const realisedEpsilonPerCell = Math.log1p((1 - 2 * pTilde) / pTilde)
  return { epsilonMicro, delta, p, pTilde, threshold32, wideThreshold, realisedEpsilonPerCell }
}

/** Expected number of flipped cells among `nCells` (for planning and tests). */
export function expectedFlips(flip: FlipProbability, nCells: number): number {
  return flip.pTilde * nCells
}

// Random words are drawn in bulk into a pool kept per NoiseSource, so that many small calls (one per
// record) do not waste the unused part of each draw. A pool only ever holds words of its own source.
const POOL_WORDS = 1 << 16
// A fresh or exhausted pool is refilled with at least this many words (or what the call needs).
const MIN_REFILL = 1 << 12
interface Pool {
  u32: Uint32Array
  // The same words read as int32, so that the bit operations stay in 32-bit integer arithmetic.
  i32: Int32Array
  pos: number
  end: number
}
const pools = new WeakMap<NoiseSource, Pool>()

function poolFor(noise: NoiseSource): Pool {
  let pool = pools.get(noise)
  if (pool === undefined) {
    const buffer = new ArrayBuffer(POOL_WORDS * 4)
    pool = { u32: new Uint32Array(buffer), i32: new Int32Array(buffer), pos: 0, end: 0 }
    pools.set(noise, pool)
  }
  return pool
}

/** Discards the rest of the pool and draws `wanted` fresh words (clamped to the pool size). */
function refill(pool: Pool, noise: NoiseSource, wanted: number): void {
  const size = Math.min(POOL_WORDS, Math.max(MIN_REFILL, wanted))
  noise.fillUint32(pool.u32.subarray(0, size))
  pool.pos = 0
  pool.end = size
}

// Threshold bits, most significant first, as 0 or −1 (all ones) masks; cached for the last threshold.
const thresholdMasks = new Int32Array(53)
let cachedThreshold = -1
let cachedPlanes = 0
// Random words drawn per stored word, two words at a time: the mean is ≈ 7.3; ask for a little more.
const WORDS_PER_WORD_ESTIMATE = 8

function loadThreshold(flip: FlipProbability): number {
  const wide = flip.wideThreshold
  const value = wide === null ? flip.threshold32 : wide
  const planes = wide === null ? 32 : 53
  if (value === cachedThreshold && planes === cachedPlanes) return planes
  if (wide === null) {
    if (!Number.isInteger(value) || value < 1 || value > TWO_32 / 2) throw new RangeError('invalid threshold32')
  } else if (!Number.isInteger(value) || value < 1 || value >= TWO_53) {
    throw new RangeError('invalid wideThreshold')
  }
  const hi = Math.floor(value / TWO_32)
  const lo = value % TWO_32
  for (let b = 0; b < planes; b++) {
    const bit = planes - 1 - b
    const set = bit >= 32 ? (hi >>> (bit - 32)) & 1 : (lo >>> bit) & 1
    thresholdMasks[b] = -set
  }
  cachedThreshold = value
  cachedPlanes = planes
  return planes
}

/**
 * Flips cells 0..nCells−1 of the bit string stored at words[offset..] (cell c is bit 31 − (c & 31) of
 * word offset + (c >>> 5)), each independently with probability flip.pTilde. Bits beyond nCells in
 * the last word are left untouched.
 */
export function randomizedResponse(
  words: Uint32Array,
  offset: number,
  nCells: number,
  flip: FlipProbability,
  noise: NoiseSource,
): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('offset must be a non-negative integer')
  if (!Number.isSafeInteger(nCells) || nCells < 0) throw new RangeError('nCells must be a non-negative integer')
  const nWords = Math.ceil(nCells / 32)
  if (offset + nWords > words.length) throw new RangeError('cells extend past the end of the buffer')
  if (nCells === 0) return
  const planes = loadThreshold(flip)
  const masks = thresholdMasks
  const pool = poolFor(noise)
  const rnd = pool.i32

  const tail = nCells & 31
  const lastLive = tail === 0 ? -1 : -1 << (32 - tail)
  let pos = pool.pos
  let end = pool.end
  let w = 0
  // Two stored words at a time: their comparisons are independent, which lets the CPU overlap them.
  for (; w + 1 < nWords; w += 2) {
    if (end - pos < 2 * planes) {
      refill(pool, noise, (nWords - w) * WORDS_PER_WORD_ESTIMATE + 2 * planes)
      pos = 0
      end = pool.end
    }
    // Cells beyond nCells start "decided" (not in eq), so they never flip.
    let eqA = -1
    let eqB = w + 2 === nWords ? lastLive : -1
    let ltA = 0
    let ltB = 0
    let b = 0
    do {
      const rA = rnd[pos]
      const rB = rnd[pos + 1]
      pos += 2
      const t = masks[b++]
      ltA |= eqA & ~rA & t
      eqA &= ~(rA ^ t)
      ltB |= eqB & ~rB & t
      eqB &= ~(rB ^ t)
    } while ((eqA | eqB) !== 0 && b < planes)
    words[offset + w] ^= ltA
    words[offset + w + 1] ^= ltB
  }
  if (w < nWords) {
    // The last word when nWords is odd.
    if (end - pos < planes) {
      refill(pool, noise, planes)
      pos = 0
    }
    let eq = lastLive
    let lt = 0
    let b = 0
    do {
      const r = rnd[pos++]
      const t = masks[b++]
      lt |= eq & ~r & t
      eq &= ~(r ^ t)
    } while (eq !== 0 && b < planes)
    words[offset + w] ^= lt
  }
  pool.pos = pos
}
