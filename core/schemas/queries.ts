import { z } from 'zod'
import { ESTIMATE_STATUSES } from '../../sketch/names.js'
import { encoding, epsilonInput, metric, privacyReport } from './common.js'

const queryOptions = {
  metric,
  encoding: encoding.default('binary'),
  mechanism: z.enum(['sketch', 'geometric']).default('sketch'),
  sketch: z.string().max(100).optional(),
  epsilon: epsilonInput.optional(),
  k: z.number().int().min(0).optional().describe('edit-distance cap for the geometric mechanism (default 64)'),
  top: z.number().int().min(1).max(1_000_000).default(100),
  maxDistance: z.number().min(0).optional(),
  confidence: z.number().gt(0).lt(1).default(0.95),
  simultaneous: z.boolean().default(false),
  similarity: z
    .enum(['dice', 'jaccard'])
    .optional()
    .meta({ description: 'Hamming sketches with released popcounts: answer Dice or Jaccard similarity, ranked by it (best first)' }),
  minSimilarity: z.number().min(0).max(1).optional().meta({ description: 'with similarity: only records whose similarity estimate is at least this' }),
}

export const queryBody = z
  .object({ ...queryOptions, query: z.string().min(1) })
  .strict()
  .meta({ id: 'QueryRequest', examples: [{ metric: 'hamming', query: '1010101010101010', top: 5 }] })

export const batchBody = z
  .object({ ...queryOptions, queries: z.array(z.string().min(1)).min(1) })
  .strict()
  .meta({ id: 'BatchQueryRequest', examples: [{ metric: 'hamming', queries: ['1010101010101010', '0000000000000000'], top: 5 }] })

export const queryResult = z.object({
  id: z.string(),
  estimate: z.number(),
  ciLow: z.number(),
  ciHigh: z.number(),
  status: z.enum(ESTIMATE_STATUSES),
  unbiasedEstimate: z.number().nullable().meta({
    description:
      'The estimate without the clip to [0, n] and with the model bias removed: its mean over many records is their mean ' +
      'distance, so average this, not `estimate` (it may be negative). Per record it is noisier than `estimate`. ' +
      'null for saturated or above-k records and for estimators that are biased by design (pl07 "paper").',
  }),
  similarity: z.number().optional().meta({ description: 'with similarity: the Dice or Jaccard estimate, in [0, 1]' }),
  similarityLow: z.number().optional(),
  similarityHigh: z.number().optional(),
})

export const queryResponse = z
  .object({
    dataset: z.string(),
    metric,
    mechanism: z.enum(['sketch', 'geometric']),
    sketch: z
      .object({
        id: z.string(),
        mechanism: z.string(),
        epsilon: z.number(),
        k: z.number().int(),
        params: z.record(z.string(), z.unknown()),
        popcountsEpsilon: z.number().nullable(),
      })
      .nullable(),
    similarity: z.enum(['dice', 'jaccard']).optional(),
    epsilonCharged: z.number(),
    records: z.number().int(),
    returned: z.number().int(),
    confidence: z.number(),
    simultaneous: z.boolean(),
    results: z.array(queryResult),
    privacy: privacyReport,
  })
  .meta({ id: 'QueryResponse' })

export const batchResponse = z
  .object({ epsilonCharged: z.number(), answers: z.array(queryResponse) })
  .meta({ id: 'BatchQueryResponse' })
