import { z } from 'zod'
import { datasetName } from './common.js'

export const createTokenBody = z
  .object({
    role: z.enum(['admin', 'analyst']),
    datasets: z.array(datasetName).min(1).optional(),
    label: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'CreateToken', examples: [{ role: 'analyst', datasets: ['people'], label: 'analyst of people' }] })

export const tokenView = z
  .object({
    id: z.string(),
    role: z.enum(['admin', 'analyst']),
    datasets: z.array(z.string()).nullable(),
    label: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'Token' })

export const createdToken = tokenView.extend({ token: z.string().describe('the secret; shown only in this response') })
export const tokenList = z.object({ tokens: z.array(tokenView) })
export const tokenParams = z.object({ id: z.string().min(1).max(100).describe('the token id (not its secret)') })
