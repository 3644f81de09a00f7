import { z } from 'zod'
import { encoding } from './common.js'

export const recordIdInput = z.union([z.string().min(1).max(256), z.number().int().nonnegative()])

export const recordsJsonBody = z
  .object({
    encoding: encoding.default('binary'),
    records: z.array(z.object({ id: recordIdInput.optional(), bits: z.string() }).strict()).min(1),
  })
  .strict()
  .meta({
    id: 'RecordsUpload',
    examples: [{ encoding: 'binary', records: [{ id: 'alice', bits: '1010101010101010' }, { id: 'bob', bits: '0101010101010101' }] }],
  })

export const loadResult = z
  .object({ dataset: z.string(), loaded: z.number().int(), records: z.number().int() })
  .meta({ id: 'LoadResult' })
