/**
 * Simulated similarity estimates (test data, seeded noise): a real parity sketch of synthetic CLKs
 * with released popcounts, and each true pair's (and some unrelated pairs') Dice or Jaccard estimate
 * with its interval, next to the exact score.
 */
import { getMechanism } from '../../sketch/mechanisms/index.js'
import { flipProbability } from '../../privacy/randomized-response.js'
import { geometricVariance, noisyCounts } from '../../privacy/geometric.js'
import { bytesToWords, wordsFor } from '../../sketch/bits.js'
import { intervalZ } from '../../sketch/stats/intervals.js'
import { similarityScore, type SimilarityKind } from '../../sketch/stats/similarity.js'
import { popcountOfWords } from '../../core/similarity.js'
import { CLK_BITS, hammingBytes, linkageData, popcountBytes } from './clk.js'
import { SeededNoiseSource } from './seeded-noise.js'

export interface SimulatedPair {
  /** Exact Hamming distance of the pair. */
  distance: number
  truth: number
  estimate: number
  low: number
  high: number
  status: string
  /** The score from the mechanism's unbiased estimate (unclipped), null where it has none. */
  unbiased: number | null
}

export interface SimulationOptions {
  kind: SimilarityKind
  epsilon: number
  popcountEpsilon: number
  k: number
  unitBits: number
  records: number
  seed: number
}

export function simulateSimilarity(o: SimulationOptions): SimulatedPair[] {
  const data = linkageData(o.records, o.records, 0.7, o.seed)
  const n = CLK_BITS
  const mechanism = getMechanism('parity')
  const plan = mechanism.plan({ n, k: o.k, epsilonMicro: Math.round(o.epsilon * 1e6), unitBits: o.unitBits, options: {} }, `sim-${o.seed}`)
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const noise = new SeededNoiseSource(`similarity-${o.seed}-${o.epsilon}`)
  const build = mechanism.builder(plan, flip, noise)
  const sketch = new Uint32Array(o.records * plan.wordsPerRecord)
  const exactPops = new Int32Array(o.records)
  data.records.forEach((r, i) => {
    const words = bytesToWords(r, n, new Uint32Array(wordsFor(n)), 0)
    exactPops[i] = popcountOfWords(words)
    build(words, 0, sketch, i * plan.wordsPerRecord)
  })
  const popEps = Math.round(o.popcountEpsilon * 1e6)
  const released = noisyCounts(noise, exactPops, popEps, o.unitBits)
  const calibration = mechanism.calibrate(plan, flip.pTilde)
  const options = { confidence: 0.95, simultaneousM: null }
  const z = intervalZ(options)
  const variance = geometricVariance(popEps, o.unitBits)
  const out: SimulatedPair[] = []
  data.queries.forEach((q, j) => {
    const qw = bytesToWords(q, n, new Uint32Array(wordsFor(n)), 0)
    const estimator = mechanism.prepareQuery(plan, flip.pTilde, calibration, qw, options)
    // the true match, when there is one, and one unrelated record
    const targets = [data.truth[j], (j * 7919 + 13) % o.records].filter((r) => r >= 0)
    for (const r of targets) {
      const e = estimator(sketch, r * plan.wordsPerRecord)
      const s = similarityScore(o.kind, e.estimate, e.ciLow, e.ciHigh, released[r], popcountBytes(q), variance, z, e.unbiased ?? null)
      const sum = popcountBytes(q) + exactPops[r]
      const h = hammingBytes(q, data.records[r])
      const truth = o.kind === 'dice' ? 1 - h / sum : (sum - h) / (sum + h)
      out.push({ distance: h, truth, estimate: s.similarity, low: s.low, high: s.high, status: e.status, unbiased: s.unbiased })
    }
  })
  return out
}
