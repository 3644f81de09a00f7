/**
 * lcp-tree's interval calibration (docs/mechanisms/lcp-tree.md#intervals): a randomized confidence
 * belt (sketch/stats/edit-calibration.ts) over Monte-Carlo tables of G = r − ED(A, B) per stratum of
 * the true distance (the error grows with it) and per edit pattern (isolated substitutions: the most
 * parity cancellations; local edits: the fewest), simulated with this plan's cellOf table, p̃ and k,
 * and the mean error μ̂ the estimate subtracts (query.ts). Exact simulated coverage for the equal
 * mixture of the patterns, balanced between them.
 */
import { TableCache } from '../../hash-tables.js'
import { WindowedLce, landauVishkin, lvRows, stringWindows } from '../../exact/landau-vishkin.js'
import { BeltBuilder, ISOLATED_PATTERN, LOCAL_PATTERN, calibrationSamples } from '../../stats/edit-calibration.js'
import { plantEdits, simulateFlips, syntheticRng, syntheticString } from '../../stats/synthetic-edits.js'
import type { Calibration, Plan } from '../mechanism.js'
import { hashSeedOf, lcpTreeLayoutOf, strideOf } from './layout.js'
import { flipAll, lcpTreeCleanSketch } from './build.js'
import { TreeLce } from './lce.js'
import { hashTables } from './tables.js'

/** Public seed of the calibration simulation (synthetic data, not privacy noise). */
const LCP_TREE_CALIBRATION_SEED = 'dpdist/lcp-tree/calibration/v1'

const calibrationCache = new TableCache<Calibration>(64)

/** Strata of the true distance in the calibration belt: the error grows with the distance. */
function lcpTreeStrata(k: number): number {
  return Math.min(4, k + 1)
}

function simulate(plan: Plan, pTilde: number): Calibration {
  const { n, k } = plan
  const layout = lcpTreeLayoutOf(plan)
  const tables = hashTables(n, hashSeedOf(plan))
  const { nibble } = tables
  // A record costs about 2n (strings, planted edits, sketch) plus LV, ≤ (k+1)² oracle calls of up to
  // 2·(#levels + 1) tests; 24 000 records at n = 4 096 (about a second; 3 000 per distance stratum
  // and edit pattern, so the coverage of each pattern is known to ±0.4 points), fewer for long strings
  // or large k, none when too few would fit (then intervals are the wide promise interval).
  // 50 records per simulated query.
  const samples = calibrationSamples(2 ** 30, 2 * n + 4 * (k + 1) ** 2 * (layout.levels + 1), 24000)
  const perQuery = 50
  const stride = layout.stride
  // (stride 1 keeps the seed it had before strides existed, so its tables are unchanged)
  const rng = syntheticRng(`${LCP_TREE_CALIBRATION_SEED}/${n}/${k}/${pTilde}/${hashSeedOf(plan)}${stride === 1 ? '' : `/stride${stride}`}`)
  const flip = (words: Uint32Array, offset: number, nCells: number): void => {
    simulateFlips(words, offset, nCells, pTilde, rng)
  }
  // A table per stratum and edit pattern (alternating pairs: isolated substitutions, local edits).
  const belt = new BeltBuilder(k, lcpTreeStrata(k), 2)
  const sketch = new Uint32Array(layout.wordsPerRecord)
  let query: Uint32Array = new Uint32Array(0)
  let oracle: TreeLce | null = null
  // The true distances: exact Landau–Vishkin against the query's windows, extracted once per query.
  const queryWindows = new Int32Array(n + 1)
  const exact = new WindowedLce(sketch, n, queryWindows, n)
  const exactRows = lvRows(k)
  let sum = 0
  let sum2 = 0
  for (let s = 0; s < samples; s++) {
    if (s % perQuery === 0 || oracle === null) {
      query = syntheticString(n, rng)
      oracle = new TreeLce(layout, k, tables, query)
      stringWindows(query, 0, n, queryWindows)
    }
    const isolated = s % 2 === 0
    const record = plantEdits(query, n, s % (k + 1), rng, isolated ? 'isolated' : 'local')
    exact.records = record
    const truth = landauVishkin(n, n, k, exact, exactRows)
    if (truth === null) throw new Error('calibration: planted edits exceeded their budget')
    lcpTreeCleanSketch(layout, nibble, record, 0, sketch, 0)
    flipAll(layout, sketch, 0, flip)
    // Above k counts as the estimate k + 1, exactly as prepareQuery reports it.
    const g = (oracle.run(sketch, 0) ?? k + 1) - truth
    belt.add(truth, g, isolated ? ISOLATED_PATTERN : LOCAL_PATTERN)
    sum += g
    sum2 += g * g
  }
  const meanError = samples > 0 ? sum / samples : 0
  const sdError = samples > 1 ? Math.sqrt(Math.max(0, (sum2 - samples * meanError * meanError) / (samples - 1))) : 0
  return { n, k, pTilde, hashSeed: hashSeedOf(plan), samples, belt: belt.tables(), meanError, sdError }
}

/** The mechanism's calibrate: the simulated tables, kept per plan parameters and p̃. */
export function lcpTreeCalibrate(plan: Plan, pTilde: number): Calibration {
  if (!(pTilde > 0 && pTilde <= 0.5)) throw new RangeError('pTilde must be in (0, 1/2]')
  return calibrationCache.get(`${plan.n}|${plan.k}|${pTilde}|${hashSeedOf(plan)}|${strideOf(plan)}|${String(plan.params.layout)}`, () => simulate(plan, pTilde))
}
