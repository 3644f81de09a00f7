import { z } from 'zod'
import { MECHANISM_NAMES } from '../../sketch/names.js'
import { epsilonInput, metric } from './common.js'

export const mechanismName = z.enum(MECHANISM_NAMES)

export const sketchBody = z
  .object({
    metric,
    mechanism: mechanismName.optional(),
    epsilon: epsilonInput,
    k: z.number().int().min(1),
    options: z.record(z.string(), z.unknown()).optional(),
    popcounts: z
      .object({ epsilon: epsilonInput })
      .strict()
      .optional()
      .meta({
        description:
          'Hamming only: also release every record\'s popcount plus discrete Laplace noise (L1 sensitivity unitBits), ' +
          'charged in the same debit as the sketch; needed for similarity (Dice, Jaccard) queries and linkage runs.',
      }),
  })
  .strict()
  .meta({ id: 'SketchRequest', examples: [{ metric: 'hamming', epsilon: 1, k: 16, popcounts: { epsilon: 0.5 } }] })

export const estimateBody = sketchBody.extend({ targetSd: z.number().positive().optional() }).strict().meta({ id: 'SketchEstimateRequest', examples: [{ metric: 'hamming', epsilon: 1, k: 16, targetSd: 2 }] })

const predictedSd = z.object({ atZero: z.number(), atHalfK: z.number(), atK: z.number() })

export const sketchEstimate = z
  .object({
    metric,
    mechanism: mechanismName,
    epsilon: z.number(),
    k: z.number().int(),
    delta: z.number().int(),
    flipProbability: z.number(),
    realisedEpsilonPerCell: z.number(),
    bytesPerRecord: z.number().int(),
    totalBytes: z.number().int(),
    records: z.number().int(),
    predictedSd,
    reliable: z.boolean(),
    notes: z.array(z.string()),
    params: z.record(z.string(), z.unknown()),
    minEpsilonForTargetSd: z.number().nullable().optional(),
  })
  .meta({ id: 'SketchEstimate' })

export const sketchView = z
  .object({
    id: z.string(),
    dataset: z.string(),
    metric: z.string(),
    mechanism: z.string(),
    status: z.enum(['queued', 'building', 'ready', 'failed']),
    epsilon: z.number(),
    k: z.number().int(),
    records: z.number().int(),
    progress: z.number().int(),
    progressFraction: z.number(),
    error: z.string().nullable(),
    params: z.record(z.string(), z.unknown()),
    delta: z.number().int(),
    flipProbability: z.number(),
    predictedSd: predictedSd.nullable(),
    bytesPerRecord: z.number().int(),
    totalBytes: z.number().int(),
    reliable: z.boolean(),
    createdAt: z.string(),
    readyAt: z.string().nullable(),
    popcounts: z.object({ epsilon: z.number() }).nullable(),
  })
  .meta({ id: 'Sketch' })

export const sketchList = z.object({ sketches: z.array(sketchView) })
export const sketchParams = z.object({ name: z.string().describe('the dataset name'), id: z.string().max(100).describe('the sketch id (from POST …/sketches)') })
