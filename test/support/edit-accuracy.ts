/**
 * Accuracy harness for the private edit-distance mechanisms: one random query, `near` records that
 * are the query with planted edits (budget cycling through 0..k, test/support/planted-edits.ts;
 * mixed edits or substitutions only),
 * `unrelated` random records; sketches built with a SeededNoiseSource; estimates compared with the
 * exact distance (Landau–Vishkin on the raw records).
 */
import { wordsFor } from '../../sketch/bits.js'
import { editDistanceLV } from '../../sketch/exact/landau-vishkin.js'
import type { Calibration, Estimate, Plan, SketchMechanism } from '../../sketch/mechanisms/mechanism.js'
import { flipProbability } from '../../privacy/randomized-response.js'
import { SeededNoiseSource } from './seeded-noise.js'
import { dataRng, randomString, withPlantedEdits } from './planted-edits.js'

export interface AccuracyRun {
  plan: Plan
  pTilde: number
  calibration: Calibration
  calibrateMs: number
  /** Exact distances of the near records (all ≤ k). */
  truth: number[]
  near: Estimate[]
  unrelated: Estimate[]
  meanError: number
  sdError: number
  /** Fraction of near records whose interval contains the exact distance. */
  coverage: number
}

export function accuracyRun(
  mechanism: SketchMechanism,
  opts: {
    n: number
    k: number
    epsilon: number
    near: number
    unrelated: number
    seed: string
    confidence?: number
    simultaneousM?: number | null
    substitutionsOnly?: boolean
  },
): AccuracyRun {
  const { n, k, epsilon, near, unrelated, seed } = opts
  const plan = mechanism.plan({ n, k, epsilonMicro: Math.round(epsilon * 1e6), unitBits: 1, options: {} }, `public-seed-${seed}`)
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const t0 = performance.now()
  const calibration = mechanism.calibrate(plan, flip.pTilde)
  const calibrateMs = performance.now() - t0
  const rng = dataRng(`data-${seed}-${opts.substitutionsOnly === true ? 'subs' : 'mixed'}`)
  const query = randomString(n, rng)
  const w = wordsFor(n)
  const m = near + unrelated
  const raw = new Uint32Array(m * w)
  const truth: number[] = []
  for (let r = 0; r < near; r++) {
    const rec = withPlantedEdits(query, n, r % (k + 1), rng, opts.substitutionsOnly ?? false)
    raw.set(rec, r * w)
    const d = editDistanceLV(rec, n, query, n, k)
    if (d === null) throw new Error('planted edits exceeded the budget')
    truth.push(d)
  }
  for (let r = near; r < m; r++) raw.set(randomString(n, rng), r * w)
  const sketches = new Uint32Array(m * plan.wordsPerRecord)
  const build = mechanism.builder(plan, flip, new SeededNoiseSource(`noise-${seed}-${opts.substitutionsOnly === true ? 'subs' : 'mixed'}`))
  for (let r = 0; r < m; r++) build(raw, r * w, sketches, r * plan.wordsPerRecord)
  const estimate = mechanism.prepareQuery(plan, flip.pTilde, calibration, query, {
    confidence: opts.confidence ?? 0.95,
    simultaneousM: opts.simultaneousM ?? null,
  })
  const all: Estimate[] = []
  for (let r = 0; r < m; r++) all.push(estimate(sketches, r * plan.wordsPerRecord))
  const nearEst = all.slice(0, near)
  const errors = nearEst.map((e, r) => e.estimate - truth[r])
  const meanError = errors.reduce((s, x) => s + x, 0) / near
  const sdError = Math.sqrt(errors.reduce((s, x) => s + (x - meanError) ** 2, 0) / (near - 1))
  const covered = nearEst.filter((e, r) => e.ciLow <= truth[r] && truth[r] <= e.ciHigh).length
  return {
    plan,
    pTilde: flip.pTilde,
    calibration,
    calibrateMs,
    truth,
    near: nearEst,
    unrelated: all.slice(near),
    meanError,
    sdError,
    coverage: covered / near,
  }
}
