/**
 * Similarity scores of bit strings from a private Hamming estimate and a private popcount
 * (docs/linkage.md#similarity):
 *   Dice(A, B)    = 2|A∧B| / (|A| + |B|)          = 1 − H/S,
 *   Jaccard(A, B) = |A∧B| / |A∨B|                 = (S − H)/(S + H),   with S = |A| + |B|, H = d_H(A, B).
 * |B| (the query's popcount) is exact; |A| is the popcount released with the sketch, |A| + Z with Z
 * discrete Laplace of known variance. Both scores are post-processing of the two releases.
 *
 * Interval: the score is decreasing in H and increasing in S. Its H part is the score at the ends of
 * the Hamming interval (exact, whatever the curvature); its S part the delta method, z·|∂f/∂S|·sd(Z).
 * The two independent parts are added in quadrature on each side. With calibrated Hamming intervals
 * the coverage is close to nominal (test/sketch/stats/similarity.test.ts measures it on simulated CLKs).
 */
export type SimilarityKind = 'dice' | 'jaccard'

export interface SimilarityScore {
  /** The score of the (clipped) Hamming estimate, in [0, 1]. */
  similarity: number
  low: number
  high: number
  /**
   * The score of the mechanism's unbiased Hamming estimate, not clipped to [0, 1]: average this, not
   * `similarity` (exact duplicates have H = 0, so a clipped estimate is biased down near 1). null
   * where the mechanism has no unbiased estimate.
   */
  unbiased: number | null
}

function score(kind: SimilarityKind, h: number, s: number): number {
  return kind === 'dice' ? 1 - h / s : (s - h) / (s + h)
}

/** ∂score/∂S at (h, s). */
function slopeInS(kind: SimilarityKind, h: number, s: number): number {
  return kind === 'dice' ? h / (s * s) : (2 * h) / ((s + h) * (s + h))
}

const clip01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x)

/**
 * The score and its interval from a Hamming estimate h with interval [hLow, hHigh] (at some level),
 * the released popcount of the record, the exact popcount of the query, the variance of the
 * popcount noise, and z for the same level.
 */
export function similarityScore(
  kind: SimilarityKind,
  h: number,
  hLow: number,
  hHigh: number,
  recordPopcount: number,
  queryPopcount: number,
  popcountVariance: number,
  z: number,
  unbiasedH: number | null = null,
): SimilarityScore {
  const s = Math.max(1, recordPopcount + queryPopcount)
  const at = (x: number) => score(kind, Math.min(s, Math.max(0, x)), s)
  const f = at(h)
  const fromS = z * slopeInS(kind, Math.min(s, Math.max(0, h)), s) * Math.sqrt(popcountVariance)
  const down = Math.hypot(f - at(hHigh), fromS)
  const up = Math.hypot(at(hLow) - f, fromS)
  return { similarity: clip01(f), low: clip01(f - down), high: clip01(f + up), unbiased: unbiasedH === null ? null : score(kind, unbiasedH, s) }
}

/**
 * The largest Hamming distance a pair with similarity ≥ min can have when S ≤ maxS: a distance cut
 * for the scan (Dice ≥ m ⇔ H ≤ (1 − m)·S; Jaccard ≥ m ⇔ H ≤ S·(1 − m)/(1 + m)).
 */
export function maxDistanceFor(kind: SimilarityKind, minSimilarity: number, maxS: number): number {
  return kind === 'dice' ? (1 - minSimilarity) * maxS : (maxS * (1 - minSimilarity)) / (1 + minSimilarity)
}
