/** Test data (not noise): a random query and records at given Hamming distances from it. */
import seedrandom from 'seedrandom'
import { wordsFor } from '../../sketch/bits.js'

export function plantedRecords(n: number, distances: ArrayLike<number>, dataSeed: string): { query: Uint32Array; records: Uint32Array } {
  const rng = seedrandom.alea(dataSeed)
  const nWords = wordsFor(n)
  const query = new Uint32Array(nWords)
  for (let w = 0; w < nWords; w++) query[w] = rng.int32()
  if (n & 31) query[nWords - 1] &= 0xffffffff << (32 - (n & 31))
  const records = new Uint32Array(distances.length * nWords)
  const chosen = new Uint8Array(n)
  for (let r = 0; r < distances.length; r++) {
    records.set(query, r * nWords)
    chosen.fill(0)
    for (let placed = 0; placed < distances[r]; ) {
      const i = Math.floor(rng() * n)
      if (chosen[i]) continue
      chosen[i] = 1
      placed++
      records[r * nWords + (i >>> 5)] ^= 0x80000000 >>> (i & 31)
    }
  }
  return { query, records }
}
