/**
 * Mechanism `lcp-tree` (edit distance, the paper's approach, arXiv 2411.05750; docs/mechanisms/lcp-tree.md):
 * Landau–Vishkin whose longest-common-extension queries are answered from private dyadic equality
 * sketches, so a query costs O(k²·log n) word operations per record, sublinear in n.
 *
 * The parts, one file each: layout.ts (constants, the stored levels and word order, the reliability
 * threshold), tables.ts (the public cellOf table and parity-word lookups), build.ts (the record
 * builder), prefixes.ts (the query's per-diagonal prefix parities), lce.ts (the private LCE and
 * Landau–Vishkin over it), query.ts (the per-record estimate and interval), calibration.ts (the
 * simulated interval tables). This file is the plan and the SketchMechanism object.
 *
 * Why a level stride (our extension of the paper): every stored level adds one cell per position to
 * Δ, and the flip probability 1/(1 + e^{ε/Δ}) falls exponentially in ε/Δ. Storing every 4th level
 * instead of every level cuts Δ at n = 4096 from 8 to 3 (p̃ at ε = 60: 5.5·10⁻⁴ → 2·10⁻⁹) and at
 * n = 65536 from 12 to 4 (6.7·10⁻³ → 3·10⁻⁷); a descent then tests up to 2^s − 1 sibling blocks
 * per stored level instead of one, which are adjacent words (one cache line), so a query costs
 * about the same and the records are smaller. Measured with bench/edit's data (n = 4096, k = 32,
 * ε = 60): mean absolute error 0.70 with every level, 0.05 with s = 4; at n = 65536: 8.1 → 0.08.
 * Space ≈ n·(1 + 1/(2 − 2^{1−s})) bits per record (2n at s = 1, about 1.5n at s = 4); Δ per
 * protected bit is 1 + #stored levels (n = 4096: 3 at s = 4, 8 at s = 1).
 *
 * Errors (docs/mechanisms/lcp-tree.md#variance): a noisy "≠" stops an LCE early (an overestimate by one
 * edit, usually); a masked mismatch lets it overshoot (an underestimate, usually by two): by noise,
 * or because the mismatches inside a block cancel in its parity word (two mismatches in different
 * groups share a cell with probability 1/W). Cancellation needs no noise and grows with the number
 * of isolated mismatches, so at large ε the error is data-dependent. Measured without noise at
 * n = 4096, k = 32, distances uniform in 0..32: about 2 % of records are underestimated with
 * clustered edits (shifts, bursts), 14 % with isolated substitutions only (24 % at 32 isolated
 * substitutions). Below the reliability threshold (layout.ts) plan.reliable = false and every
 * estimate has status `unreliable`.
 */
import { flipProbability } from '../../../privacy/randomized-response.js'
import type { Plan, PlanRequest, SketchMechanism } from '../mechanism.js'
import { rejectUnknownOptions } from '../mechanism.js'
import {
  BLOCK,
  LCP_TREE_ALPHA,
  LCP_TREE_DEFAULT_STRIDE,
  LCP_TREE_FIRST_LEVEL,
  LCP_TREE_MAX_STRIDE,
  LCP_TREE_W,
  lcpTreeLayout,
  lcpTreeReliableEpsilon,
} from './layout.js'
import type { LcpTreeLayout } from './layout.js'
import { lcpTreeBuilder } from './build.js'
import { lcpTreeCalibrate } from './calibration.js'
import { lcpTreePrepareQuery } from './query.js'

/**
 * Bound on (2k + 1)·(⌊n/64⌋ + 1) words (128 MiB), which caps the per-query prefix table (it holds
 * 2⌊k/2⌋ + 1 rows of ⌊n/64⌋ + 1 words, about half of that).
 */
const MAX_PREFIX_WORDS = 2 ** 25

function checkRequest(req: PlanRequest): void {
  const { n, k, epsilonMicro, unitBits, options } = req
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('n must be a positive integer')
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new RangeError('k must be an integer in [0, n]')
  if (!Number.isSafeInteger(epsilonMicro) || epsilonMicro <= 0) throw new RangeError('epsilon must be positive')
  if (!Number.isSafeInteger(unitBits) || unitBits < 1 || unitBits > n) {
    throw new RangeError('unitBits must be an integer in [1, n]')
  }
  rejectUnknownOptions('lcp-tree', options, ['levelStride'])
  const stride = options.levelStride
  if (stride !== undefined && (!Number.isSafeInteger(stride) || (stride as number) < 1 || (stride as number) > LCP_TREE_MAX_STRIDE)) {
    throw new RangeError(`lcp-tree: levelStride must be an integer in [1, ${LCP_TREE_MAX_STRIDE}]`)
  }
}

/**
 * Rough error model of the plan's predicted sd at distance d. Noise: a test fails on the optimal
 * path with probability about p̃·(2^s·W·#levels + 2·64) per LCE (node words on the way up, up to
 * 2^s − 1 per level on the way down, two raw leaves), one LCE per edit plus one, each failure about
 * one edit (Poisson). Cancellation, for the unfavourable case of d isolated mismatches: a block of
 * level j holds exactly two with probability λ²e^{−λ}/2, λ = d·2^j/n, and they cancel with
 * probability 1/W, costing two edits.
 */
function predictedSdAt(layout: LcpTreeLayout, k: number, pTilde: number, d: number): number {
  const { n, stride } = layout
  const perLce = pTilde * (2 ** stride * LCP_TREE_W * layout.levels + 2 * BLOCK)
  let pairs = 0
  for (let j = LCP_TREE_FIRST_LEVEL; j <= layout.topStored; j += stride) {
    const lambda = (d * 2 ** j) / n
    pairs += Math.floor(n / 2 ** j) * ((lambda * lambda * Math.exp(-lambda)) / 2)
  }
  const cancel = 1 - Math.exp(-pairs / LCP_TREE_W)
  return Math.min(k, Math.sqrt((d + 1) * perLce + 4 * cancel * (1 - cancel)))
}

function plan(req: PlanRequest, hashSeed: string): Plan {
  checkRequest(req)
  if (typeof hashSeed !== 'string' || hashSeed.length === 0) throw new RangeError('lcp-tree needs a hash seed')
  const { n, k, epsilonMicro, unitBits } = req
  const stride = (req.options.levelStride as number | undefined) ?? LCP_TREE_DEFAULT_STRIDE
  const layout = lcpTreeLayout(n, stride, true)
  if ((2 * k + 1) * (layout.blocks + 1) > MAX_PREFIX_WORDS) {
    throw new RangeError('lcp-tree: k too large for n (the per-query diagonal tables would exceed 128 MiB)')
  }
  const delta = unitBits * (1 + layout.levels)
  const flip = flipProbability(epsilonMicro, delta)
  const epsilon = epsilonMicro / 1e6
  const needed = lcpTreeReliableEpsilon(n, k, delta, stride)
  const reliable = epsilon >= needed
  const sdAt = (d: number): number => predictedSdAt(layout, k, flip.pTilde, d)
  const notes = [
    `stores the noisy bits plus ${layout.levels} levels of ${LCP_TREE_W}-cell parity words ` +
      `(every ${stride === 1 ? '' : `${stride}${stride === 2 ? 'nd' : stride === 3 ? 'rd' : 'th'} `}dyadic level from blocks of 64 bits) ` +
      `(${layout.wordsPerRecord * 4} bytes per record); one protected bit touches ${1 + layout.levels} cells`,
    `each cell is flipped with probability ${flip.pTilde.toPrecision(3)}`,
  ]
  if (!reliable) {
    notes.push(
      `unreliable: ε = ${epsilon} is below ${needed.toFixed(1)}, the ε at which every one of the up to ` +
        `2(J+1)(k+1)² equality tests of a query is correct with probability 1 − ${LCP_TREE_ALPHA} ` +
        `(ε/Δ ≥ ln(W·2(J+1)(k+1)²/α)); estimates may be off by several edits and carry status "unreliable"`,
    )
  }
  return {
    mechanism: 'lcp-tree',
    metric: 'edit',
    n,
    k,
    epsilonMicro,
    unitBits,
    params: {
      hashSeed,
      cellsPerWord: LCP_TREE_W,
      firstLevel: LCP_TREE_FIRST_LEVEL,
      topLevel: layout.topStored,
      levelStride: stride,
      layout: layout.interleaved ? 'interleaved' : 'levels',
      reliableEpsilon: needed,
      alpha: LCP_TREE_ALPHA,
    },
    delta,
    wordsPerRecord: layout.wordsPerRecord,
    predictedSd: { atZero: sdAt(0), atHalfK: sdAt(k / 2), atK: sdAt(k) },
    reliable,
    notes,
  }
}

export const lcpTree: SketchMechanism = {
  name: 'lcp-tree',
  metric: 'edit',
  plan,
  builder: lcpTreeBuilder,
  calibrate: lcpTreeCalibrate,
  prepareQuery: lcpTreePrepareQuery,
}
