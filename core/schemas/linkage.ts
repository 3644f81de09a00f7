import { z } from 'zod'

/** Options of a linkage run, in the query string (the body is the other party's records). */
export const linkageQuery = z
  .object({
    sketch: z.string().max(100).optional(),
    similarity: z.enum(['dice', 'jaccard']).default('dice'),
    threshold: z.coerce.number().min(0).max(1).meta({ description: 'smallest similarity of a candidate pair', examples: [0.5] }),
    top: z.coerce.number().int().min(1).max(1000).default(10).describe('candidates kept per query'),
    solve: z.enum(['none', 'greedy']).default('none'),
    encoding: z.enum(['binary', 'hex', 'base64']).optional().describe('bit encoding of text, CSV and NDJSON bodies'),
  })
  .strict()

export const linkageRunView = z
  .object({
    id: z.string(),
    dataset: z.string(),
    sketch: z.string(),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    similarity: z.enum(['dice', 'jaccard']),
    threshold: z.number(),
    top: z.number().int(),
    solve: z.enum(['none', 'greedy']),
    queries: z.number().int(),
    records: z.number().int(),
    progress: z.number().int().describe('queries compared'),
    progressFraction: z.number(),
    pairsCompared: z.number(),
    pairsTotal: z.number(),
    pairsPerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    candidates: z.number().int(),
    matches: z.number().int().nullable(),
    error: z.string().nullable(),
    epsilonCharged: z.literal(0),
    epsilonOfSketch: z.number().describe('ε of the sketch and popcounts the run post-processes (charged once, at their build)'),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'LinkageRun' })

export const linkageRunList = z.object({ runs: z.array(linkageRunView) })
export const linkageParams = z.object({ name: z.string().describe('the dataset name'), id: z.string().max(100).describe('the run id (from POST …/linkage-runs)') })

const party = z.tuple([z.number().int(), z.number().int()]).describe('[party, index]: party 0 is the uploaded file, 1 the dataset')

export const linkageResult = z
  .object({
    run: z.string(),
    similarity: z.enum(['dice', 'jaccard']),
    threshold: z.number(),
    solve: z.enum(['none', 'greedy']),
    similarity_scores: z.array(z.tuple([party, party, z.number()])).describe("anonlink-entity-service's similarity_scores: [[0, i], [1, j], score], best first"),
    groups: z.array(z.array(party)).optional().describe("after greedy: anonlink-entity-service's groups, one [[0, i], [1, j]] per one-to-one match"),
    pairs: z.array(
      z.object({
        queryIndex: z.number().int(),
        queryId: z.string(),
        recordIndex: z.number().int(),
        recordId: z.string(),
        score: z.number(),
        low: z.number(),
        high: z.number(),
        matched: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'LinkageResult' })
