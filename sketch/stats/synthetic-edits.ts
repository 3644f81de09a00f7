/**
 * Synthetic data for the Monte-Carlo calibrations and the benchmarks: a seeded generator, uniformly
 * random strings, copies with planted edits of a given budget and pattern, and simulated
 * randomized-response flips. Calibration on synthetic data, never privacy noise: the generator is
 * seedrandom's Alea with a fixed public seed, so every process computes the same tables
 * (sketch/stats/edit-calibration.ts describes how the tables are used).
 */
import seedrandom from 'seedrandom'
import { packBits, randomBits, unpackBits } from '../bits.js'

/** Deterministic generator for calibration and synthetic data (never for privacy noise). */
export interface SyntheticRng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number
  /** Uniform double in (0, 1]. */
  nextOpen(): number
}

export function syntheticRng(seed: string): SyntheticRng {
  const prng = seedrandom.alea(seed)
  return {
    nextUint32: () => prng.int32() >>> 0,
    nextOpen: () => 1 - prng.double(),
  }
}

/**
 * Flips each of cells 0..nCells−1 of the string at words[offset..] independently with probability p
 * (simulation only: geometric gaps between flips, O(nCells·p) draws).
 */
export function simulateFlips(words: Uint32Array, offset: number, nCells: number, p: number, rng: SyntheticRng): number {
  if (!(p > 0)) return 0
  if (p > 0.5) throw new RangeError('simulateFlips: p must be at most 1/2')
  const logQ = Math.log1p(-p)
  let flips = 0
  let c = Math.floor(Math.log(rng.nextOpen()) / logQ)
  while (c < nCells) {
    words[offset + (c >>> 5)] ^= 1 << (31 - (c & 31))
    flips++
    c += 1 + Math.floor(Math.log(rng.nextOpen()) / logQ)
  }
  return flips
}

/**
 * A copy of the n-bit string `base` with planted edits of total cost ≤ budget (so its edit distance
 * to `base` is at most budget) and the same length. Each step picks one of four kinds uniformly
 * (the last three only when at least 2 remain): a substitution (cost 1); a deletion and an insertion
 * of a random bit at independent random positions (cost ≤ 2); a local shift, deletion and insertion
 * 1–64 positions apart (cost ≤ 2); a burst of 2–3 adjacent substitutions (cost ≤ its length).
 * Other patterns (`pattern`; `true` stands for 'isolated', `false` for 'mixed'):
 * - 'isolated': every step is a substitution at a uniform position (isolated mismatches: the most
 *   separate LCE segments and mismatch pairs per unit of distance);
 * - 'local': substitutions, local shifts and bursts, one third each, no far deletion/insertion
 *   pairs (those act like two isolated edits): mismatch sites clustered, the fewest parity
 *   cancellations per unit of distance.
 */
export type EditPattern = 'mixed' | 'isolated' | 'local'

export function plantEdits(
  base: Uint32Array,
  n: number,
  budget: number,
  rng: SyntheticRng,
  pattern: EditPattern | boolean = 'mixed',
): Uint32Array {
  const mode: EditPattern = pattern === true ? 'isolated' : pattern === false ? 'mixed' : pattern
  const bits = unpackBits(base, n, new Uint8Array(n + 1))
  let remaining = budget
  while (remaining > 0 && n > 0) {
    const u = rng.nextUint32()
    const kind = remaining < 2 || n <= 1 || mode === 'isolated' ? 0 : mode === 'local' ? (u % 3 === 0 ? 0 : (u % 3) + 1) : u & 3
    const at = (u >>> 2) % n
    if (kind === 1 || kind === 2) {
      bits.copyWithin(at, at + 1, n)
      const to = kind === 1 ? rng.nextUint32() % n : Math.min(n - 1, at + 1 + (rng.nextUint32() & 63))
      bits.copyWithin(to + 1, to, n - 1)
      bits[to] = (u >>> 31) & 1
      remaining -= 2
    } else if (kind === 3) {
      const len = remaining >= 3 && (u & 4) !== 0 ? 3 : 2
      for (let q = 0; q < len && at + q < n; q++) bits[at + q] ^= 1
      remaining -= len
    } else {
      bits[at] ^= 1
      remaining -= 1
    }
  }
  return packBits(bits, n)
}

/** A uniformly random n-bit string from the synthetic generator. */
export function syntheticString(n: number, rng: SyntheticRng): Uint32Array {
  return randomBits(n, rng.nextUint32)
}
