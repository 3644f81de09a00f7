import { z } from 'zod'
import { METRICS } from '../../sketch/names.js'
import { datasetName, epsilonInput, metric, privacyReport } from './common.js'

export const createDatasetBody = z
  .object({
    name: datasetName,
    bits: z.number().int().min(1).max(1 << 24),
    unitBits: z.number().int().min(1).default(1),
    epsilonBudget: epsilonInput,
    retainRaw: z.boolean().default(false),
    metrics: z.array(metric).min(1).default([...METRICS]),
  })
  .strict()
  .meta({ id: 'CreateDataset', examples: [{ name: 'people', bits: 16, epsilonBudget: 10 }] })

export const datasetSummary = z
  .object({
    name: z.string(),
    bits: z.number().int(),
    unitBits: z.number().int(),
    records: z.number().int(),
    retainRaw: z.boolean(),
    rawDeleted: z.boolean(),
    metrics: z.array(metric),
    createdAt: z.string(),
  })
  .meta({ id: 'DatasetSummary' })

export const sketchSummary = z.object({
  id: z.string(),
  metric: z.string(),
  mechanism: z.string(),
  status: z.string(),
  epsilon: z.number(),
  k: z.number().int(),
  records: z.number().int(),
})

export const datasetDetail = datasetSummary
  .extend({
    budget: z.object({ epsilonBudget: z.number(), spent: z.number(), remaining: z.number() }),
    sketches: z.array(sketchSummary),
    privacy: privacyReport,
  })
  .meta({ id: 'DatasetDetail' })

export const datasetList = z.object({ datasets: z.array(datasetSummary) })
