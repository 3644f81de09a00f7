import { z } from 'zod'
import { datasetName, epsilonInput } from './common.js'

export const ledgerEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: z.string(),
  epsilon: z.number(),
  tokenId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
})

export const budgetView = z
  .object({
    dataset: z.string(),
    epsilonBudget: z.number(),
    spent: z.number(),
    remaining: z.number(),
    epsilonBudgetMicro: z.number().int(),
    spentMicro: z.number().int(),
    remainingMicro: z.number().int(),
    principals: z
      .array(
        z.object({
          tokenId: z.string().nullable().describe('null: the local operator (the CLI on the database file)'),
          label: z.string().nullable(),
          spent: z.number(),
          spentMicro: z.number().int(),
          epsilonQuota: z.number().nullable(),
          remaining: z.number().nullable(),
        }),
      )
      .optional()
      .describe('admin tokens: ε spent per principal, with each token quota'),
    quota: z
      .object({
        epsilonQuota: z.number(),
        spent: z.number(),
        remaining: z.number(),
        epsilonQuotaMicro: z.number().int(),
        spentMicro: z.number().int(),
        remainingMicro: z.number().int(),
      })
      .nullable()
      .optional()
      .describe("analyst tokens: this token's own quota on the dataset (null: none)"),
    ledger: z.array(ledgerEntry),
  })
  .meta({ id: 'Budget' })

export const setBudgetBody = z.object({ epsilonBudget: epsilonInput }).strict().meta({ id: 'SetBudget', examples: [{ epsilonBudget: 20 }] })

export const ledgerQuery = z
  .object({
    dataset: datasetName,
    deleted: z.enum(['true', 'false']).default('false').describe('true: only deleted datasets of that name'),
  })
  .strict()

export const identityLedgers = z
  .object({
    datasets: z.array(
      z.object({
        dataset: z.string(),
        deleted: z.boolean(),
        createdAt: z.string().nullable(),
        deletedAt: z.string().nullable(),
        epsilonBudget: z.number().nullable(),
        spent: z.number(),
        ledger: z.array(ledgerEntry),
      }),
    ),
  })
  .meta({ id: 'IdentityLedgers', description: 'the ledgers of every dataset that bore a name, oldest first' })
