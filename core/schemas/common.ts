/** Schemas shared by several resources. */
import { z } from 'zod'

export const datasetName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit')

export const encoding = z.enum(['binary', 'hex', 'base64'])

/** ε as a JSON number or a decimal string; parsed exactly to micro-ε by privacy/epsilon.ts. */
export const epsilonInput = z.union([z.number(), z.string().max(64)])

export const metric = z.enum(['hamming', 'edit'])

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 7807 problem details' })

export const nameParams = z.object({ name: datasetName })

export const epsilonProfile = z.array(z.object({ changedBits: z.number().int(), epsilon: z.number() }))

export const privacyReport = z
  .object({
    guarantee: z.string(),
    neighbourRelation: z.string(),
    unitBits: z.number().int(),
    epsilonCharged: z.number(),
    epsilonOfRelease: z.number(),
    epsilonSpent: z.number(),
    epsilonBudget: z.number(),
    epsilonRemaining: z.number(),
    profile: epsilonProfile,
    totalProfile: epsilonProfile,
    notes: z.array(z.string()),
  })
  .meta({ id: 'PrivacyReport' })

export const errorResponses = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
  409: problem,
  413: problem,
  415: problem,
  429: problem,
  503: problem,
  507: problem,
}
