import { z } from 'zod'
import { datasetName, epsilonInput } from './common.js'

/** A dataset an analyst token may use: its name, or its name with the most ε the token may spend there. */
export const tokenDataset = z.union([
  datasetName,
  z
    .object({
      name: datasetName,
      epsilonQuota: epsilonInput.optional().describe('most ε this token may be charged on the dataset (default: no quota)'),
    })
    .strict(),
])

export const createTokenBody = z
  .object({
    role: z.enum(['admin', 'analyst']),
    datasets: z
      .array(tokenDataset)
      .min(1)
      .optional()
      .describe('analyst tokens: the datasets (existing ones, by name) the token may use, each with an optional quota; omitted: all datasets, no quota'),
    label: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'CreateToken', examples: [{ role: 'analyst', datasets: ['people'], label: 'analyst of people' }] })

export const tokenScope = z.object({
  dataset: z.string(),
  deleted: z.boolean().describe('the dataset has been deleted: the scope grants nothing (a new dataset of the same name is another dataset)'),
  epsilonQuota: z.number().nullable(),
  spent: z.number(),
  remaining: z.number().nullable(),
})

export const tokenView = z
  .object({
    id: z.string(),
    role: z.enum(['admin', 'analyst']),
    datasets: z.array(z.string()).nullable().describe('names of the datasets the token may use (null: all)'),
    scopes: z.array(tokenScope).nullable(),
    label: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'Token' })

export const createdToken = tokenView.extend({ token: z.string().describe('the secret; shown only in this response') })
export const tokenList = z.object({ tokens: z.array(tokenView) })
export const tokenParams = z.object({ id: z.string().min(1).max(100).describe('the token id (not its secret)') })
