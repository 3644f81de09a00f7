import t from 'tap'
import fc from 'fast-check'
import seedrandom from 'seedrandom'
import { getBit, wordsFor, xorPopcount } from '../../../sketch/bits.js'
import { cellTable } from '../../../sketch/hash-tables.js'
import type { Plan } from '../../../sketch/mechanisms/mechanism.js'
import { getMechanism } from '../../../sketch/mechanisms/index.js'
import { parity } from '../../../sketch/mechanisms/parity.js'
import { PL07_PAPER_C, pl07, pl07CleanSketch, pl07Sizes, pl07Statistic } from '../../../sketch/mechanisms/pl07.js'
import { MeanInversion, pl07Moments } from '../../../sketch/stats/pl07-model.js'
import { collisionInversionTable } from '../../../sketch/stats/parity-model.js'
import { flipProbability } from '../../../privacy/randomized-response.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { plantedRecords } from '../../support/planted-hamming.js'

const CONF95 = { confidence: 0.95, simultaneousM: null }

function planFor(n: number, k: number, eps: number, options: Record<string, unknown> = {}, seed = 'pl07-seed', unitBits = 1): Plan {
  return pl07.plan({ n, k, epsilonMicro: Math.round(eps * 1e6), unitBits, options }, seed)
}


t.test('sizes follow the paper (docs/mechanisms/pl07.md#parameters) with the small-k clamp', async (t) => {
  const k100 = pl07Sizes(100, 8)
  t.same([k100.buckets, k100.repetitions, k100.cellsPerGroup], [8, 10, 170])
  t.equal(k100.buckets * k100.repetitions * k100.cellsPerGroup, 13_600, `c = 8: 13 600 cells, the paper's sizes`)
  const paper = pl07Sizes(100, PL07_PAPER_C)
  t.equal(paper.buckets * paper.repetitions * paper.cellsPerGroup, 332_080, `c = 72e: 332 080 cells, the paper's sizes`)
  for (const k of [1, 2]) {
    const s = pl07Sizes(k, 8)
    t.same([s.buckets, s.repetitions, s.cellsPerGroup], [1, 2, 8], `k=${k}: ℓ clamped to 1`)
  }
  const k3 = pl07Sizes(3, 8)
  t.same([k3.buckets, k3.repetitions, k3.cellsPerGroup], [1, 3, 10], 'k=3 uses ln 3')
  t.equal(pl07Sizes(2, 0.1).cellsPerGroup, 4, 'at least 4 cells per group')
})

t.test('plan: registry, options, Δ', async (t) => {
  t.equal(getMechanism('pl07'), pl07)
  const plan = planFor(4096, 64, 5)
  t.equal(plan.params.estimator, 'debiased')
  t.equal(plan.params.c, 8)
  t.same([plan.params.buckets, plan.params.repetitions, plan.params.cellsPerGroup], [6, 9, 139])
  t.equal(plan.delta, 9)
  t.equal(plan.wordsPerRecord, Math.ceil((6 * 9 * 139) / 32))
  t.equal(planFor(4096, 64, 5, {}, 's', 3).delta, 27, 'Δ = L·unitBits')
  t.equal(planFor(4096, 64, 5, { estimator: 'paper' }).params.estimator, 'paper')
  t.same(JSON.parse(JSON.stringify(plan)), plan)
  t.throws(() => planFor(4096, 64, 5, { estimator: 'median' }), RangeError)
  t.throws(() => planFor(4096, 64, 5, { c: -1 }), RangeError)
  t.throws(() => planFor(4096, 64, 5, { cells: 64 }), RangeError)
  t.throws(() => planFor(1 << 20, 1 << 19, 5, { c: PL07_PAPER_C }), RangeError, 'absurd sketch size refused')
  t.equal(planFor(4096, 64, 1, { estimator: 'paper' }).reliable, false, 'paper estimator at ε = 1 is useless')
  // The debiased estimate is μ⁻¹(S): its predicted sd is σ(T)/μ'(T) (μ' by a central difference).
  for (const eps of [1, 5]) {
    const p = planFor(4096, 64, eps)
    const flip = flipProbability(p.epsilonMicro, p.delta)
    const { mean, sd } = pl07.calibrate(p, flip.pTilde) as { mean: number[]; sd: number[] }
    const want = sd[32] / ((mean[33] - mean[31]) / 2)
    t.ok(Math.abs(p.predictedSd.atHalfK - want) <= 1e-9 * want, `ε=${eps}: predicted sd at k/2 ${p.predictedSd.atHalfK.toFixed(2)}`)
    t.equal(p.reliable, p.predictedSd.atK < 64 && p.predictedSd.atZero < 64, `ε=${eps}: reliable iff the predicted sd is below k`)
  }
})

t.test('clean sketch: group (bucket·L + t)·M1 + cell, XOR of the bits', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer(), (n, kRaw, salt) => {
      const k = Math.min(n, kRaw)
      const plan = planFor(n, k, 10, {}, `layout-${salt}`)
      const M2 = plan.params.buckets as number
      const L = plan.params.repetitions as number
      const M1 = plan.params.cellsPerGroup as number
      const seed = plan.params.hashSeed as string
      const bucket = cellTable(seed, 'pl07/bucket', n, M2)
      const cells = Array.from({ length: L }, (_, r) => cellTable(seed, `pl07/cell/${r}`, n, M1))
      const rng = seedrandom.alea(`layout-rec-${salt}`)
      const record = new Uint32Array(wordsFor(n))
      for (let w = 0; w < record.length; w++) record[w] = rng.int32()
      if (n & 31) record[record.length - 1] &= 0xffffffff << (32 - (n & 31))
      const want = new Uint8Array(M2 * L * M1)
      for (let i = 0; i < n; i++) {
        if (!getBit(record, i)) continue
        for (let r = 0; r < L; r++) want[(bucket[i] * L + r) * M1 + cells[r][i]] ^= 1
      }
      const out = new Uint32Array(plan.wordsPerRecord)
      pl07CleanSketch(plan, record, 0, out, 0)
      for (let c = 0; c < want.length; c++) if (getBit(out, c) !== want[c]) return false
      // Nothing past the last cell.
      for (let c = want.length; c < 32 * plan.wordsPerRecord; c++) if (getBit(out, c)) return false
      return true
    }),
    { numRuns: 40 },
  )
  t.pass('layout as documented')
})

t.test('privacy: t changed bits change at most Δ = L·t clean cells, and ε̃ ≤ ε', async (t) => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 600 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 50_000_000 }),
      fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
      (seed, n, kRaw, tBits, epsMicro, rawPositions) => {
        const k = Math.min(n, kRaw)
        const unitBits = Math.min(tBits, n)
        const plan = pl07.plan({ n, k, epsilonMicro: epsMicro, unitBits, options: {} }, seed)
        const rng = seedrandom.alea(`${seed}/${n}`)
        const a = new Uint32Array(wordsFor(n))
        for (let w = 0; w < a.length; w++) a[w] = rng.int32()
        if (n & 31) a[a.length - 1] &= 0xffffffff << (32 - (n & 31))
        const b = a.slice()
        for (const i of new Set(rawPositions.slice(0, unitBits).map((p) => p % n))) b[i >>> 5] ^= 0x80000000 >>> (i & 31)
        const sa = new Uint32Array(plan.wordsPerRecord)
        const sb = new Uint32Array(plan.wordsPerRecord)
        pl07CleanSketch(plan, a, 0, sa, 0)
        pl07CleanSketch(plan, b, 0, sb, 0)
        if (plan.delta !== (plan.params.repetitions as number) * unitBits) return false
        if (xorPopcount(sa, 0, sb, 0, plan.wordsPerRecord) > plan.delta) return false
        const flip = flipProbability(plan.epsilonMicro, plan.delta)
        return plan.delta * Math.log((1 - flip.pTilde) / flip.pTilde) <= plan.epsilonMicro / 1e6
      },
    ),
    { numRuns: 150 },
  )
  t.pass('Δ bound and realised ε hold for every sampled seed, n, k, t and positions')
})

t.test('the paper statistic is Σ_j max_t C_{j,t} over the stored groups', async (t) => {
  const n = 1000
  const plan = planFor(n, 40, 3, { estimator: 'paper' })
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const M2 = plan.params.buckets as number
  const L = plan.params.repetitions as number
  const M1 = plan.params.cellsPerGroup as number
  const build = pl07.builder(plan, flip, new SeededNoiseSource('paper-stat'))
  const { query, records } = plantedRecords(n, [0, 5, 17, 40, 300], 'paper-stat-data')
  const W = plan.wordsPerRecord
  const out = new Uint32Array(5 * W)
  for (let r = 0; r < 5; r++) build(records, r * wordsFor(n), out, r * W)
  const q = new Uint32Array(W)
  pl07CleanSketch(plan, query, 0, q, 0)
  const est = pl07.prepareQuery(plan, flip.pTilde, pl07.calibrate(plan, flip.pTilde), query, CONF95)
  for (let r = 0; r < 5; r++) {
    let want = 0
    for (let j = 0; j < M2; j++) {
      let best = 0
      for (let tt = 0; tt < L; tt++) {
        let C = 0
        const start = (j * L + tt) * M1
        for (let c = start; c < start + M1; c++) C += getBit(out, c, r * W) ^ getBit(q, c)
        best = Math.max(best, C)
      }
      want += best
    }
    t.equal(est(out, r * W).estimate, Math.min(want, n), `record ${r}`)
  }
})

t.test('exact moments: sanity at negligible noise and with one bucket', async (t) => {
  const sizes = pl07Sizes(64, 8)
  const flip = flipProbability(100e6, sizes.repetitions)
  const { mean, sd } = pl07Moments(sizes, flip.pTilde, 'debiased', [0, 10, 32, 64])
  ;[0, 10, 32, 64].forEach((T, i) => {
    // Only hashing collisions remain: the collision inversion is unbiased to a small fraction of σ.
    t.ok(Math.abs(mean[i] - T) <= 0.1 * sd[i] + 1e-6, `μ(${T}) = ${mean[i].toFixed(4)}, σ = ${sd[i].toFixed(4)}`)
  })
  // At T = 0 every bucket is empty: σ(0)² = M2 · Var f(C) / L with C ~ Binomial(M1, p̃).
  const inv = collisionInversionTable(sizes.cellsPerGroup, flip.pTilde)
  let m1 = 0
  let m2 = 0
  for (let c = 0; c <= 6; c++) {
    let choose = 1
    for (let i = 0; i < c; i++) choose = (choose * (sizes.cellsPerGroup - i)) / (i + 1)
    const w = choose * flip.pTilde ** c * (1 - flip.pTilde) ** (sizes.cellsPerGroup - c)
    m1 += w * inv[c]
    m2 += w * inv[c] ** 2
  }
  const want0 = Math.sqrt((sizes.buckets * (m2 - m1 * m1)) / sizes.repetitions)
  t.ok(Math.abs(sd[0] - want0) <= 1e-6 * want0, `σ(0) = ${sd[0].toExponential(6)} vs ${want0.toExponential(6)}`)
  // One bucket (k = 3): the paper statistic at T = 0 is the maximum of L Binomial(M1, p̃) counts.
  const one = pl07Sizes(3, 8)
  const p = 0.1
  const M1 = one.cellsPerGroup
  const L = one.repetitions
  const pmf: number[] = []
  for (let c = 0; c <= M1; c++) {
    let choose = 1
    for (let i = 0; i < c; i++) choose = (choose * (M1 - i)) / (i + 1)
    pmf.push(choose * p ** c * (1 - p) ** (M1 - c))
  }
  let cdf = 0
  let prev = 0
  let want = 0
  for (let c = 0; c <= M1; c++) {
    cdf += pmf[c]
    want += c * (cdf ** L - prev)
    prev = cdf ** L
  }
  const got = pl07Moments(one, p, 'paper', [0]).mean[0]
  t.ok(Math.abs(got - want) < 1e-9, `E[max of ${L} Bin(${M1}, 0.1)] = ${got.toFixed(6)} vs ${want.toFixed(6)}`)
})

t.test('the debiased estimate inverts the exact model mean', async (t) => {
  const inv = new MeanInversion([-1, 0.5, 2, 2, 1.5, 4])
  t.equal(inv.estimate(-3), 0, 'below μ(0): 0')
  t.equal(inv.estimate(-1), 0)
  t.equal(inv.estimate(0.5), 1)
  t.equal(inv.estimate(-0.25), 0.5, 'linear between grid points')
  t.equal(inv.estimate(2), 2, 'a flat stretch maps to its first point')
  t.equal(inv.estimate(3), 4.5, 'a dip is read through the running maximum')
  t.equal(inv.estimate(4), 5, 'μ(G) and above: G')
  t.equal(inv.estimate(1e9), 5)
  t.throws(() => new MeanInversion([]), RangeError)
  t.throws(() => new MeanInversion([0, Number.NaN]), RangeError)

  // Against a plan's calibration: μ is increasing and μ⁻¹(μ(T)) = T on the grid.
  for (const eps of [1, 5]) {
    const plan = planFor(4096, 64, eps)
    const flip = flipProbability(plan.epsilonMicro, plan.delta)
    const cal = pl07.calibrate(plan, flip.pTilde) as { mean: number[] }
    const mean = cal.mean
    let increasing = true
    for (let T = 1; T < mean.length; T++) if (!(mean[T] > mean[T - 1])) increasing = false
    t.ok(increasing, `ε=${eps}: μ(T) is increasing on 0..${mean.length - 1}`)
    const grid = new MeanInversion(mean)
    let worst = 0
    for (let T = 0; T < mean.length; T++) worst = Math.max(worst, Math.abs(grid.estimate(mean[T]) - T))
    t.ok(worst < 1e-9, `ε=${eps}: μ⁻¹(μ(T)) = T (worst ${worst.toExponential(2)})`)
  }
})

interface Accuracy {
  errors: Float64Array
  covered: number
}

function summary(a: Accuracy): { mean: number; sd: number; mae: number; coverage: number } {
  const m = a.errors.length
  const mean = a.errors.reduce((s, v) => s + v, 0) / m
  const sd = Math.sqrt(a.errors.reduce((s, v) => s + (v - mean) ** 2, 0) / (m - 1))
  const mae = a.errors.reduce((s, v) => s + Math.abs(v), 0) / m
  return { mean, sd, mae, coverage: a.covered / m }
}

/**
 * Mean error at distance d of an estimate g(S) as the model predicts it: S ~ Normal(μ(d), σ(d)²) with
 * the exact model moments (S sums M2·L = 54 group inversions). Midpoint rule on z ∈ [−8, 8].
 */
function predictedMeanError(mean: ArrayLike<number>, sd: ArrayLike<number>, g: (s: number) => number, d: number): number {
  const steps = 1600
  const h = 16 / steps
  let acc = 0
  let mass = 0
  for (let i = 0; i < steps; i++) {
    const z = -8 + (i + 0.5) * h
    const w = Math.exp(-0.5 * z * z)
    acc += w * g(mean[d] + z * sd[d])
    mass += w
  }
  return acc / mass - d
}

/** μ⁻¹ without the clip to [0, G]: continued linearly past the ends of the grid. */
function unclippedInverse(mean: ArrayLike<number>, inversion: MeanInversion): (s: number) => number {
  const G = mean.length - 1
  return (s) => {
    if (s < mean[0]) return (s - mean[0]) / (mean[1] - mean[0])
    if (s > mean[G]) return G + (s - mean[G]) / (mean[G] - mean[G - 1])
    return inversion.estimate(s)
  }
}

t.test('accuracy on planted distances (n = 4096, k = 64, m = 2000, four hash seeds), against parity', async (t) => {
  const n = 4096
  const k = 64
  const m = 2000
  const seeds = ['h1', 'h2', 'h3', 'h4']
  const perSeed = m / seeds.length
  // The requirement, mean error within 0.1 sd of 0 over d ≤ k, is asserted where the estimate
  // can meet it. Where the estimate's sd is comparable to k (about 100 / 50 / 19 at ε = 1 / 2 / 5), an
  // estimate that cannot go below 0 is biased upward at small d whatever it inverts, and μ⁻¹ adds a
  // smaller second-order term (it is convex: μ flattens as groups saturate). The model predicts both;
  // at those ε the test asserts that the prediction exceeds 0.1 sd (so the exemption is real) and that
  // the measured mean error is within 0.1 sd of it (so nothing else biases the estimate).
  const requirementAttainable = new Set([10])
  for (const eps of [1, 2, 5, 10]) {
    const results: Record<string, Accuracy> = {
      debiased: { errors: new Float64Array(m), covered: 0 },
      paper: { errors: new Float64Array(m), covered: 0 },
      parity: { errors: new Float64Array(m), covered: 0 },
    }
    let predictedStatisticBias = 0
    let predictedEstimateBias = 0
    let predictedUnclippedBias = 0
    const rawErrors = new Float64Array(m)
    const unbiasedErrors = new Float64Array(m)
    const parityUnbiasedErrors = new Float64Array(m)
    let missingUnbiased = 0
    let paritySaturated = 0
    let notTheInverse = 0
    let outsideOwnInterval = 0
    let r = 0
    for (const seed of seeds) {
      const d = Int32Array.from({ length: perSeed }, (_, i) => (r + i) % (k + 1))
      const { query, records } = plantedRecords(n, d, `pl07-acc/${seed}/${eps}`)
      const debiasedPlan = planFor(n, k, eps, {}, `pl07-acc/${seed}`)
      const paperPlan = planFor(n, k, eps, { estimator: 'paper' }, `pl07-acc/${seed}`)
      const parityPlan = parity.plan({ n, k, epsilonMicro: eps * 1e6, unitBits: 1, options: {} }, `pl07-acc/${seed}`)
      // One pl07 build serves both estimators: the stored sketch does not depend on the estimator.
      const flip = flipProbability(debiasedPlan.epsilonMicro, debiasedPlan.delta)
      const W = debiasedPlan.wordsPerRecord
      const sketches = new Uint32Array(perSeed * W)
      const build = pl07.builder(debiasedPlan, flip, new SeededNoiseSource(`pl07-noise/${seed}/${eps}`))
      for (let i = 0; i < perSeed; i++) build(records, i * wordsFor(n), sketches, i * W)
      const pFlip = flipProbability(parityPlan.epsilonMicro, parityPlan.delta)
      const PW = parityPlan.wordsPerRecord
      const paritySketches = new Uint32Array(perSeed * PW)
      const pBuild = parity.builder(parityPlan, pFlip, new SeededNoiseSource(`parity-noise/${seed}/${eps}`))
      for (let i = 0; i < perSeed; i++) pBuild(records, i * wordsFor(n), paritySketches, i * PW)

      const calibration = pl07.calibrate(debiasedPlan, flip.pTilde) as { mean: number[]; sd: number[] }
      const estimators = {
        debiased: pl07.prepareQuery(debiasedPlan, flip.pTilde, calibration, query, CONF95),
        paper: pl07.prepareQuery(paperPlan, flip.pTilde, pl07.calibrate(paperPlan, flip.pTilde), query, CONF95),
      }
      const rawStatistic = pl07Statistic(debiasedPlan, flip.pTilde, query)
      const inversion = new MeanInversion(calibration.mean)
      const clipped = (x: number) => inversion.estimate(x)
      const unclipped = unclippedInverse(calibration.mean, inversion)
      t.equal(estimators.paper(sketches, 0).unbiased, undefined, `ε=${eps}: the paper estimator has no unbiased estimate`)
      const parityEstimate = parity.prepareQuery(parityPlan, pFlip.pTilde, parity.calibrate(parityPlan, pFlip.pTilde), query, CONF95)
      for (let i = 0; i < perSeed; i++, r++) {
        const S = rawStatistic(sketches, i * W)
        const deb = estimators.debiased(sketches, i * W)
        results.debiased.errors[r] = deb.estimate - d[i]
        if (deb.unbiased !== undefined) unbiasedErrors[r] = deb.unbiased - d[i]
        else missingUnbiased++
        if (deb.ciLow <= d[i] && d[i] <= deb.ciHigh) results.debiased.covered++
        if (deb.estimate !== inversion.estimate(S)) notTheInverse++
        if (!(deb.ciLow <= deb.estimate && deb.estimate <= deb.ciHigh)) outsideOwnInterval++
        const pap = estimators.paper(sketches, i * W)
        results.paper.errors[r] = pap.estimate - d[i]
        if (pap.ciLow <= d[i] && d[i] <= pap.ciHigh) results.paper.covered++
        const par = parityEstimate(paritySketches, i * PW)
        results.parity.errors[r] = par.estimate - d[i]
        if (par.unbiased !== undefined) parityUnbiasedErrors[r] = par.unbiased - d[i]
        else paritySaturated++
        if (par.ciLow <= d[i] && d[i] <= par.ciHigh) results.parity.covered++
        // The statistic S before inversion, against its exact-model expectation.
        rawErrors[r] = S - d[i]
        predictedStatisticBias += (calibration.mean[d[i]] - d[i]) / m
        predictedEstimateBias += predictedMeanError(calibration.mean, calibration.sd, clipped, d[i]) / m
        predictedUnclippedBias += predictedMeanError(calibration.mean, calibration.sd, unclipped, d[i]) / m
      }
    }
    const deb = summary(results.debiased)
    const raw = summary({ errors: rawErrors, covered: 0 })
    const pap = summary(results.paper)
    const par = summary(results.parity)
    t.comment(
      `ε=${eps}: pl07 debiased mean error ${deb.mean.toFixed(2)} = ${(deb.mean / deb.sd).toFixed(3)} sd (sd ${deb.sd.toFixed(2)}; ` +
        `model: ${predictedEstimateBias.toFixed(2)} = ${(predictedEstimateBias / deb.sd).toFixed(3)} sd, of which ` +
        `${predictedUnclippedBias.toFixed(2)} without the clip), ` +
        `MAE ${deb.mae.toFixed(2)}, coverage ${(100 * deb.coverage).toFixed(2)} % | statistic S: mean error ${raw.mean.toFixed(2)} ` +
        `(model ${predictedStatisticBias.toFixed(2)}) | pl07 paper mean error ${pap.mean.toFixed(1)}, MAE ${pap.mae.toFixed(1)}, ` +
        `coverage ${(100 * pap.coverage).toFixed(2)} % | parity MAE ${par.mae.toFixed(2)}, coverage ${(100 * par.coverage).toFixed(2)} %`,
    )
    // Requirement: parity's MAE below the paper estimator's at every ε.
    t.ok(par.mae < pap.mae, `ε=${eps}: parity MAE ${par.mae.toFixed(2)} < pl07 paper MAE ${pap.mae.toFixed(2)}`)
    // Requirement: calibrated 95 % intervals (SE of the coverage ≈ 0.5 points). Both use the exact
    // mean and sd of their statistic.
    t.ok(deb.coverage >= 0.93 && deb.coverage <= 0.97, `ε=${eps}: debiased coverage ${(100 * deb.coverage).toFixed(2)} %`)
    t.ok(pap.coverage >= 0.93 && pap.coverage <= 0.97, `ε=${eps}: paper coverage ${(100 * pap.coverage).toFixed(2)} %`)
    // The estimate is μ⁻¹(S), and it lies in its own interval (without needing the safety clamp).
    t.equal(notTheInverse, 0, `ε=${eps}: every debiased estimate is the inverse of the model mean at S`)
    t.equal(outsideOwnInterval, 0, `ε=${eps}: every debiased estimate lies in its interval`)
    // The model the inversion relies on: S's measured bias matches the exact mean (within 4 SE).
    t.ok(Math.abs(raw.mean - predictedStatisticBias) <= (4 * raw.sd) / Math.sqrt(m), `ε=${eps}: E[S | T] matches the exact model`)
    // Requirement (mean error within 0.1 sd of 0 over d ≤ k) for the unbiased estimates, at every ε.
    const ub = summary({ errors: unbiasedErrors, covered: 0 })
    const pub = summary({ errors: parityUnbiasedErrors, covered: 0 })
    t.comment(
      `ε=${eps}: unbiased estimates: pl07 mean error ${ub.mean.toFixed(2)} = ${(ub.mean / ub.sd).toFixed(3)} sd (sd ${ub.sd.toFixed(2)}), ` +
        `parity ${pub.mean.toFixed(3)} = ${(pub.mean / pub.sd).toFixed(3)} sd (sd ${pub.sd.toFixed(2)})`,
    )
    t.equal(missingUnbiased, 0, `ε=${eps}: every pl07 debiased estimate has an unbiased estimate`)
    t.ok(Math.abs(ub.mean) <= 0.1 * ub.sd, `ε=${eps}: pl07 debiased unbiased estimate: mean error within 0.1 sd of 0`)
    // Parity has no unbiased estimate for a saturated record (the inversion has no value past M/4), so
    // its unbiased estimates are judged where no record with d ≤ k saturates.
    if (paritySaturated === 0) {
      t.ok(Math.abs(pub.mean) <= 0.1 * pub.sd, `ε=${eps}: parity unbiased estimate: mean error within 0.1 sd of 0`)
    } else {
      t.comment(`ε=${eps}: ${paritySaturated} parity records saturated (M/4 < k at this ε); parity's clipped estimate carries the requirement`)
    }
    if (requirementAttainable.has(eps)) {
      t.ok(Math.abs(deb.mean) <= 0.1 * deb.sd, `ε=${eps}: debiased mean error within 0.1 sd of 0 (${(deb.mean / deb.sd).toFixed(3)} sd)`)
    } else {
      t.ok(predictedEstimateBias > 0.1 * deb.sd, `ε=${eps}: exempt, the model predicts more than 0.1 sd of bias for the clipped μ⁻¹(S)`)
    }
    t.ok(
      Math.abs(deb.mean - predictedEstimateBias) <= 0.1 * deb.sd,
      `ε=${eps}: debiased mean error within 0.1 sd of the model's (${((deb.mean - predictedEstimateBias) / deb.sd).toFixed(3)} sd)`,
    )
  }
})
