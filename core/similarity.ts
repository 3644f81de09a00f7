/**
 * Similarity scans (Dice, Jaccard): post-processing of a Hamming sketch and the popcounts released
 * with it, so free. Shared by queries (core/queries.ts) and linkage runs (core/linkage.ts).
 *
 * The scan ranks by the Hamming estimate and keeps CANDIDATE_FACTOR·top candidates per query (at
 * least MIN_CANDIDATES), cut at the largest distance a record can have and still reach
 * minSimilarity given the largest released popcount; the candidates are then scored and re-ranked by
 * similarity (docs/linkage.md#ranking says why the factor is enough in practice and when it is not).
 */
import { geometricVariance } from '../privacy/geometric.js'
import { bytesToWords, popcount32, wordsFor } from '../sketch/bits.js'
import { intervalZ } from '../sketch/stats/intervals.js'
import { maxDistanceFor, similarityScore, type SimilarityKind } from '../sketch/stats/similarity.js'
import { statusCodes } from '../scan/engine.js'
import type { Scanner } from '../scan/types.js'
import type { EstimateStatus } from '../sketch/mechanisms/mechanism.js'
import { conflict } from './errors.js'
import type { LoadedSketch } from './sketch-registry.js'

export const CANDIDATE_FACTOR = 4
export const MIN_CANDIDATES = 32

export interface SimilarityOptions {
  kind: SimilarityKind
  minSimilarity?: number
  top: number
  confidence: number
  simultaneous: boolean
  unitBits: number
}

/** One query's hits, best similarity first (ties by record ordinal). */
export interface SimilarityHit {
  ordinal: number
  similarity: number
  low: number
  high: number
  estimate: number
  ciLow: number
  ciHigh: number
  status: EstimateStatus
  unbiased: number | null
}

export function requirePopcounts(sketch: LoadedSketch): Int32Array {
  if (sketch.popcounts === null || sketch.popcountEpsilonMicro === null) {
    throw conflict(
      `sketch "${sketch.id}" released no popcounts, which similarity needs: build a Hamming sketch with popcounts: {epsilon}`,
    )
  }
  return sketch.popcounts
}

/** The largest released popcount of a sketch (cached: a sketch never changes). */
const maxPopcounts = new WeakMap<Int32Array, number>()
function maxPopcount(p: Int32Array): number {
  let max = maxPopcounts.get(p)
  if (max === undefined) {
    max = 0
    for (let i = 0; i < p.length; i++) if (p[i] > max) max = p[i]
    maxPopcounts.set(p, max)
  }
  return max
}

export function popcountOfWords(words: Uint32Array): number {
  let c = 0
  for (let i = 0; i < words.length; i++) c += popcount32(words[i])
  return c
}

/** Scans `queries` (packed bytes of n bits) and scores their candidates; one list per query. */
export async function similarityScan(scanner: Scanner, sketch: LoadedSketch, queries: Uint8Array[], n: number, o: SimilarityOptions): Promise<SimilarityHit[][]> {
  const popcounts = requirePopcounts(sketch)
  const words = queries.map((q) => bytesToWords(q, n, new Uint32Array(wordsFor(n)), 0))
  const queryPops = words.map(popcountOfWords)
  const simultaneousM = o.simultaneous ? sketch.recordCount : null
  const candidates = Math.min(sketch.recordCount, Math.max(MIN_CANDIDATES, CANDIDATE_FACTOR * o.top))
  const maxQueryPop = Math.max(...queryPops)
  const hits = await scanner.scan({
    sketch,
    queries: words,
    options: { confidence: o.confidence, simultaneousM },
    top: candidates,
    maxDistance: o.minSimilarity === undefined ? undefined : maxDistanceFor(o.kind, o.minSimilarity, maxPopcount(popcounts) + maxQueryPop),
  })
  const variance = geometricVariance(sketch.popcountEpsilonMicro!, o.unitBits)
  const z = intervalZ({ confidence: o.confidence, simultaneousM })
  return hits.map((h, q) => {
    const out: SimilarityHit[] = []
    for (let i = 0; i < h.ordinals.length; i++) {
      const r = h.ordinals[i]
      const s = similarityScore(o.kind, h.estimate[i], h.ciLow[i], h.ciHigh[i], popcounts[r], queryPops[q], variance, z)
      if (o.minSimilarity !== undefined && s.similarity < o.minSimilarity) continue
      out.push({
        ordinal: r,
        similarity: s.similarity,
        low: s.low,
        high: s.high,
        estimate: h.estimate[i],
        ciLow: h.ciLow[i],
        ciHigh: h.ciHigh[i],
        status: statusCodes[h.status[i]],
        unbiased: Number.isNaN(h.unbiased[i]) ? null : h.unbiased[i],
      })
    }
    out.sort((a, b) => b.similarity - a.similarity || a.ordinal - b.ordinal)
    return out.length > o.top ? out.slice(0, o.top) : out
  })
}
