/**
 * lcp-tree's record builder (docs/mechanisms/lcp-tree.md#construction). Stored per record, every
 * cell flipped with p̃ ≥ p = 1/(1 + e^{ε/Δ}) (privacy/randomized-response.ts):
 *   (a) the raw bits Ã = A ⊕ noise (one cell per position), used for blocks of ≤ 64 bits;
 *   (b) for each stored level j and each full aligned block [b, b + 2^j): the W-cell parity word
 *       node_j[b >> j] = ⊕_{x in block, A[x] = 1} e_{cellOf[x]}.
 * One position touches 1 raw cell and at most one cell per stored level, so a protected change of
 * unitBits positions toggles at most Δ = unitBits·(1 + #stored levels) cells for every hash seed.
 * The first level is summed from the record through the nibble table, each higher stored level from
 * the 2^s words of the level below it.
 */
import type { FlipProbability } from '../../../privacy/randomized-response.js'
import { randomizedResponse } from '../../../privacy/randomized-response.js'
import type { NoiseSource } from '../../../privacy/noise-source.js'
import type { Plan, RecordBuilder } from '../mechanism.js'
import type { LcpTreeLayout } from './layout.js'
import { BLOCK, LCP_TREE_FIRST_LEVEL, LCP_TREE_W, hashSeedOf, lcpTreeLayoutOf, lcpTreeRawWordAt } from './layout.js'
import { blockParity, hashTables } from './tables.js'

/** Writes the clean (pre-noise) sketch of one record. Exported for the privacy property test. */
export function lcpTreeCleanSketch(
  layout: LcpTreeLayout,
  nibble: Uint32Array,
  record: Uint32Array,
  recordOffset: number,
  out: Uint32Array,
  outOffset: number,
): void {
  const { n, rawWords, levelOffset, levelStep } = layout
  for (let w = 0; w < rawWords; w++) out[outOffset + lcpTreeRawWordAt(layout, w)] = record[recordOffset + w]
  const used = n & 31
  if (used !== 0) out[outOffset + lcpTreeRawWordAt(layout, rawWords - 1)] &= -1 << (32 - used)
  if (layout.levels === 0) return
  // The first level from the record itself (every full 64-bit block lies inside the string).
  const first = outOffset + levelOffset[0]
  for (let b = 0; b < layout.blocks; b++) {
    out[first + b * levelStep] = blockParity(nibble, b * BLOCK, record, recordOffset, rawWords, b * BLOCK)
  }
  // Each stored level from the one below it: a block's word is the XOR of its 2^stride sub-blocks' words.
  const fan = 2 ** layout.stride
  for (let l = 1; l < layout.levels; l++) {
    const child = outOffset + levelOffset[l - 1]
    const childStep = l === 1 ? levelStep : 1
    const here = outOffset + levelOffset[l]
    const count = Math.floor(n / 2 ** (LCP_TREE_FIRST_LEVEL + l * layout.stride))
    for (let b = 0; b < count; b++) {
      let acc = 0
      for (let c = 0; c < fan; c++) acc ^= out[child + (fan * b + c) * childStep]
      out[here + b] = acc
    }
  }
}

/** Flips every stored cell of one record's sketch: the n raw cells, then all W cells of each parity word. */
export function flipAll(
  layout: LcpTreeLayout,
  out: Uint32Array,
  outOffset: number,
  flip: (words: Uint32Array, offset: number, nCells: number) => void,
): void {
  if (layout.interleaved) {
    // the full blocks' triples (64 raw cells and a 32-cell word each), then the raw tail
    flip(out, outOffset, layout.blocks * (BLOCK + LCP_TREE_W))
    const tail = layout.n - layout.blocks * BLOCK
    if (tail > 0) flip(out, outOffset + 3 * layout.blocks, tail)
  } else {
    flip(out, outOffset, layout.n)
  }
  const nodeWords = layout.wordsPerRecord - layout.rawSpan
  if (nodeWords > 0) flip(out, outOffset + layout.rawSpan, nodeWords * LCP_TREE_W)
}

/** The mechanism's builder: the clean sketch of each record, then randomized response on every cell. */
export function lcpTreeBuilder(plan: Plan, flip: FlipProbability, noise: NoiseSource): RecordBuilder {
  if (flip.delta !== plan.delta || flip.epsilonMicro !== plan.epsilonMicro) {
    throw new RangeError('lcp-tree: flip probability does not match the plan')
  }
  const layout = lcpTreeLayoutOf(plan)
  const { nibble } = hashTables(plan.n, hashSeedOf(plan))
  const rr = (words: Uint32Array, offset: number, nCells: number): void => {
    randomizedResponse(words, offset, nCells, flip, noise)
  }
  return (record, recordOffset, out, outOffset) => {
    lcpTreeCleanSketch(layout, nibble, record, recordOffset, out, outOffset)
    flipAll(layout, out, outOffset, rr)
  }
}
