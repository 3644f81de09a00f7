/**
 * Test data for the edit-distance mechanisms: a copy of a bit string with planted edits, generated
 * differently from the calibration simulator (sketch/stats/synthetic-edits.ts) so that accuracy tests do
 * not just replay the calibration: local shifts (a deletion and an insertion at most 48 bits apart),
 * short bursts of adjacent substitutions, and single substitutions (or, with `substitutionsOnly`,
 * single substitutions at uniform positions). The edit distance of the result is at most the budget;
 * tests compute the true distance exactly.
 */
import seedrandom from 'seedrandom'
import { packBits, unpackBits, wordsFor } from '../../sketch/bits.js'

export interface DataRng {
  uint32(): number
}

export function dataRng(seed: string): DataRng {
  const prng = seedrandom.alea(seed)
  return { uint32: () => prng.int32() >>> 0 }
}

export function randomString(n: number, rng: DataRng): Uint32Array {
  const out = new Uint32Array(wordsFor(n))
  for (let w = 0; w < out.length; w++) out[w] = rng.uint32()
  if ((n & 31) !== 0) out[out.length - 1] &= -1 << (32 - (n & 31))
  return out
}

/** Same length as `base`, edit distance ≤ budget. */
export function withPlantedEdits(
  base: Uint32Array,
  n: number,
  budget: number,
  rng: DataRng,
  substitutionsOnly = false,
): Uint32Array {
  const bits = unpackBits(base, n)
  let remaining = budget
  while (remaining > 0 && n > 2) {
    const kind = substitutionsOnly ? 2 : rng.uint32() % 3
    const at = rng.uint32() % n
    if (kind === 0 && remaining >= 2) {
      // Local shift: delete at `at`, insert a random bit up to 48 positions to the right.
      const to = Math.min(n - 1, at + 1 + (rng.uint32() % 48))
      bits.copyWithin(at, at + 1, to + 1)
      bits[to] = rng.uint32() & 1
      remaining -= 2
    } else if (kind === 1 && remaining >= 2) {
      // Burst of 2–4 adjacent substitutions (cost ≤ its length).
      const len = Math.min(remaining, 2 + (rng.uint32() % 3))
      for (let q = 0; q < len && at + q < n; q++) bits[at + q] ^= 1
      remaining -= len
    } else {
      bits[at] ^= 1
      remaining -= 1
    }
  }
  return packBits(bits, n)
}
