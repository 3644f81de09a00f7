import { z } from 'zod'
import { epsilonInput } from './common.js'

export const budgetView = z
  .object({
    dataset: z.string(),
    epsilonBudget: z.number(),
    spent: z.number(),
    remaining: z.number(),
    epsilonBudgetMicro: z.number().int(),
    spentMicro: z.number().int(),
    remainingMicro: z.number().int(),
    ledger: z.array(
      z.object({
        id: z.number().int(),
        at: z.string(),
        kind: z.string(),
        epsilon: z.number(),
        tokenId: z.string().nullable(),
        details: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .meta({ id: 'Budget' })

export const setBudgetBody = z.object({ epsilonBudget: epsilonInput }).strict().meta({ id: 'SetBudget', examples: [{ epsilonBudget: 20 }] })
