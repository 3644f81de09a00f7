/**
 * The edge translations shared by the HTTP routes and the CLI's local mode: validated request
 * bodies (core/schemas) become service inputs, with ε parsed exactly to micro-ε and query strings
 * parsed to packed bits; datasets become their detailed view. One place, so both surfaces accept
 * and answer exactly the same things.
 */
import type { z } from 'zod'
import type { Dataset } from '../db/datasets.js'
import type { Token } from '../db/tokens.js'
import { epsilonFromMicro, parseEpsilon } from '../privacy/epsilon.js'
import { BitParseError, parseBits, type Encoding } from '../sketch/bits.js'
import { invalid } from './errors.js'
import type { createDatasetBody } from './schemas/datasets.js'
import type { queryBody } from './schemas/queries.js'
import type { sketchBody } from './schemas/sketches.js'
import type { createTokenBody, tokenView as tokenViewSchema } from './schemas/tokens.js'
import { type CreateDatasetInput, summarize } from './datasets.js'
import type { Services } from './index.js'
import type { QueryRequest } from './queries.js'
import type { SketchRequest } from './sketches.js'
import type { CreateTokenInput } from './tokens.js'

export type QueryOptionsBody = Omit<z.output<typeof queryBody>, 'query'>

export function createDatasetInput(b: z.output<typeof createDatasetBody>): CreateDatasetInput {
  return {
    name: b.name,
    bits: b.bits,
    unitBits: b.unitBits,
    budgetMicro: parseEpsilon(b.epsilonBudget),
    retainRaw: b.retainRaw,
    metrics: [...new Set(b.metrics)],
  }
}

export function sketchRequest(b: z.output<typeof sketchBody>, capMicro: number): SketchRequest {
  return {
    metric: b.metric,
    mechanism: b.mechanism,
    epsilonMicro: parseEpsilon(b.epsilon, capMicro),
    k: b.k,
    options: b.options,
    popcountsEpsilonMicro: b.popcounts === undefined ? undefined : parseEpsilon(b.popcounts.epsilon, capMicro),
  }
}

/** A query string as packed bits; a 400 that names the query (never echoes it) when it is not n bits. */
export function parseQueryBits(text: string, encoding: Encoding, n: number, index?: number): Uint8Array {
  try {
    return parseBits(text, encoding, n)
  } catch (err) {
    if (err instanceof BitParseError) throw invalid(`${index === undefined ? 'query' : `queries[${index}]`}: ${err.message}`)
    throw err
  }
}

export function queryRequest(o: QueryOptionsBody, query: Uint8Array, capMicro: number): QueryRequest {
  return {
    metric: o.metric,
    query,
    mechanism: o.mechanism,
    sketch: o.sketch,
    epsilonMicro: o.epsilon === undefined ? undefined : parseEpsilon(o.epsilon, capMicro),
    k: o.k,
    top: o.top,
    maxDistance: o.maxDistance,
    confidence: o.confidence,
    simultaneous: o.simultaneous,
    similarity: o.similarity,
    minSimilarity: o.minSimilarity,
  }
}

/** POST /v1/tokens and `dpdist token create`: datasets by name, with quotas parsed to micro-ε. */
export function createTokenInput(b: z.output<typeof createTokenBody>): CreateTokenInput {
  return {
    role: b.role,
    datasets:
      b.datasets?.map((d) =>
        typeof d === 'string' ? { name: d, quotaMicro: null } : { name: d.name, quotaMicro: d.epsilonQuota === undefined ? null : parseEpsilon(d.epsilonQuota) },
      ) ?? null,
    label: b.label ?? null,
  }
}

/** A token as the API shows it (never its secret or hash). */
export function tokenView(t: Token): z.output<typeof tokenViewSchema> {
  return {
    id: t.id,
    role: t.role,
    datasets: t.scopes === null ? null : t.scopes.filter((s) => !s.deleted).map((s) => s.dataset),
    scopes:
      t.scopes === null
        ? null
        : t.scopes.map((s) => ({
            dataset: s.dataset,
            deleted: s.deleted,
            epsilonQuota: s.quotaMicro === null ? null : epsilonFromMicro(s.quotaMicro),
            spent: epsilonFromMicro(s.spentMicro),
            remaining: s.quotaMicro === null ? null : epsilonFromMicro(s.quotaMicro - s.spentMicro),
          })),
    label: t.label,
    createdAt: t.createdAt,
    revokedAt: t.revokedAt,
  }
}

/** GET /v1/datasets/{name} and `dpdist dataset show`. */
export function datasetDetail(services: Services, d: Dataset) {
  return {
    ...summarize(d),
    budget: { epsilonBudget: epsilonFromMicro(d.budgetMicro), spent: epsilonFromMicro(d.spentMicro), remaining: epsilonFromMicro(d.budgetMicro - d.spentMicro) },
    sketches: services.sketches.list(d).map((s) => ({ id: s.id, metric: s.metric, mechanism: s.mechanism, status: s.status, epsilon: s.epsilon, k: s.k, records: s.records })),
    privacy: services.datasets.report(d),
  }
}
