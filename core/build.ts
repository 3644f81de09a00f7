/**
 * Builds the noisy sketch of every record: raw bytes → words → mechanism builder (sketch, then
 * randomized response) → one contiguous output array. The clean sketch exists only inside the
 * mechanism's builder. Runs in a worker thread (workers/build-worker.ts) or inline.
 *
 * With `popcounts`, every record's exact popcount is counted on the way and released once the
 * sketch is built: popcount plus independent discrete Laplace noise (L1 sensitivity unitBits per
 * record, privacy/geometric.ts noisyCounts), charged in the sketch's debit. The exact counts exist
 * only in this function.
 */
import { bytesToWords, popcount32, wordsFor } from '../sketch/bits.js'
import { noisyCounts } from '../privacy/geometric.js'
import { getMechanism } from '../sketch/mechanisms/index.js'
import type { Plan } from '../sketch/mechanisms/mechanism.js'
import type { NoiseSource } from '../privacy/noise-source.js'
import { flipProbability } from '../privacy/randomized-response.js'

export interface RawRecord {
  ordinal: number
  bits: Uint8Array | null
}

export interface PopcountRelease {
  epsilonMicro: number
  unitBits: number
  /** Receives the released (noisy) popcount of record r at [r]. */
  out: Int32Array
}

export function buildSketchData(
  records: Iterable<RawRecord>,
  count: number,
  plan: Plan,
  noise: NoiseSource,
  out: Uint32Array,
  onProgress?: (done: number) => void,
  popcounts?: PopcountRelease,
): void {
  const mechanism = getMechanism(plan.mechanism)
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const build = mechanism.builder(plan, flip, noise)
  const words = new Uint32Array(wordsFor(plan.n))
  const exactCounts = popcounts ? new Int32Array(count) : null
  let done = 0
  for (const r of records) {
    if (r.ordinal !== done) throw new Error(`records are not contiguous at ordinal ${done}`)
    if (r.bits === null) throw new Error('raw bits are no longer stored for this dataset')
    words.fill(0)
    bytesToWords(r.bits, plan.n, words, 0)
    build(words, 0, out, done * plan.wordsPerRecord)
    if (exactCounts !== null && done < count) {
      let c = 0
      for (let w = 0; w < words.length; w++) c += popcount32(words[w])
      exactCounts[done] = c
    }
    done++
    if (onProgress && (done & 4095) === 0) onProgress(done)
  }
  if (done !== count) throw new Error(`expected ${count} records, read ${done}`)
  if (popcounts && exactCounts) {
    popcounts.out.set(noisyCounts(noise, exactCounts, popcounts.epsilonMicro, popcounts.unitBits))
    exactCounts.fill(0)
  }
  onProgress?.(done)
}
