/**
 * What openapi.yaml says beyond the zod schemas a route validates with: request bodies the route
 * parses itself (uploads, per content type), request headers, other response content types, the
 * response headers, problem+json errors, and one component per schema. Routes declare the extra
 * facts in `schema.contract` (zod schemas again); `openapiContract()` gives the @fastify/swagger
 * transforms that apply them. Generation fails when an operation has no operationId or description,
 * so a new route cannot slip into the document half-described.
 */
import { z } from 'zod'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

/** One media type of a request or response body: a zod schema and, for text bodies, an example. */
export interface MediaContract {
  schema: z.ZodType
  example?: string
}

export interface OperationContract {
  /** Request bodies the route parses itself (the document's requestBody; Fastify does not validate them). */
  requestBody?: { description: string; content: Record<string, MediaContract> }
  /** Request headers the route reads. */
  headers?: Record<string, { description: string; schema: z.ZodType }>
  /** Response descriptions and content types other than application/json, by status. */
  responses?: Record<number, { description?: string; content?: Record<string, MediaContract> }>
}

declare module 'fastify' {
  interface FastifySchema {
    /** Facts of the OpenAPI document beyond the validated schemas (server/openapi-contract.ts). */
    contract?: OperationContract
  }
}

type Json = Record<string, unknown>
type TransformInput = Parameters<typeof jsonSchemaTransform>[0]
type TransformObjectInput = Parameters<typeof jsonSchemaTransformObject>[0]

const REF = '#/components/schemas/'

const successText: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the work runs in the background; poll the URL in Location',
  204: 'Done; no body',
}

/** Which problem types each error status carries. */
const errorText: Record<string, string> = {
  400: 'The request is not valid (validation-error) or holds a bad record (invalid-records)',
  401: 'No valid bearer token (unauthorized)',
  403: 'This token may not do this (forbidden)',
  404: 'No such dataset, sketch, run, token or route (not-found)',
  409: 'Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted)',
  413: 'The body exceeds the limit (payload-too-large)',
  415: 'Unsupported Content-Type (unsupported-media-type)',
  429: 'Too many requests from this token or address (rate-limited)',
  500: 'Internal error (internal-error); details are logged with the request id, never sent',
  503: 'Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After',
  507: 'The disk is full (insufficient-storage): nothing of the request was kept',
}

const int = { type: 'integer', minimum: 0 }
const headerDocs: Record<string, Json> = {
  Location: { description: 'path of the created resource; poll it with GET', schema: { type: 'string' } },
  'Retry-After': { description: 'seconds to wait before retrying', schema: int },
  'X-RateLimit-Limit': { description: 'requests allowed per minute for this token', schema: int },
  'X-RateLimit-Remaining': { description: 'requests left in the current minute', schema: int },
  'X-RateLimit-Reset': { description: 'seconds until the limit resets', schema: int },
}
const rateLimitHeaders = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']

/** JSON Schema of a zod schema: a $ref when it is a registered component, else inline. */
function jsonOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  if (schema instanceof z.ZodUnion && schema.options.every((o) => z.globalRegistry.get(o as z.ZodType)?.id)) {
    return { oneOf: schema.options.map((o) => jsonOf(o as z.ZodType, io)) }
  }
  const id = z.globalRegistry.get(schema)?.id
  if (id) return { $ref: `${REF}${id}${io === 'input' ? 'Input' : ''}` }
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json
  return json
}

function media(content: Record<string, MediaContract>, io: 'input' | 'output'): Json {
  return Object.fromEntries(
    Object.entries(content).map(([type, m]) => [type, { schema: jsonOf(m.schema, io), ...(m.example === undefined ? {} : { example: m.example }) }]),
  )
}

function headers(names: string[]): Json | undefined {
  return names.length ? Object.fromEntries(names.map((n) => [n, headerDocs[n]])) : undefined
}

interface Recorded {
  contract: OperationContract
  rateLimited: boolean
}

/** Response objects: descriptions, problem+json for errors, response headers, extra content types. */
function shapeResponses(op: Json, rec: Recorded): void {
  const responses = op.responses as Record<string, Json>
  for (const status of Object.keys(rec.contract.responses ?? {})) responses[status] ??= {}
  for (const [status, response] of Object.entries(responses)) {
    const code = Number(status)
    const declared = rec.contract.responses?.[code]
    const content = response.content as Json | undefined
    const names: string[] = []
    if (code >= 400) {
      if (content) response.content = { 'application/problem+json': content['application/json'] }
      response.description = errorText[status] ?? 'Error'
      if (code === 429) names.push('Retry-After', ...rateLimitHeaders)
      if (code === 503) names.push('Retry-After')
    } else {
      response.description = declared?.description ?? successText[status] ?? 'OK'
      if (declared?.content) response.content = { ...content, ...media(declared.content, 'output') }
      if (code === 202) names.push('Location')
      if (rec.rateLimited) names.push(...rateLimitHeaders)
    }
    const h = headers(names)
    if (h) response.headers = h
    else delete response.headers
  }
}

/** Request body, header parameters, and examples lifted from the schemas for Swagger UI's "Try it out". */
function shapeRequest(op: Json, rec: Recorded, schemas: Record<string, Json>): void {
  const { requestBody, headers: reqHeaders } = rec.contract
  if (requestBody) op.requestBody = { required: true, description: requestBody.description, content: media(requestBody.content, 'input') }
  const params = (op.parameters as Json[] | undefined) ?? []
  for (const [name, h] of Object.entries(reqHeaders ?? {})) params.push({ in: 'header', name, required: false, description: h.description, schema: jsonOf(h.schema, 'input') })
  for (const p of params) {
    const s = p.schema as Json
    if (p.example === undefined && Array.isArray(s?.examples)) p.example = s.examples[0]
    if (!p.description && typeof s?.description === 'string') p.description = s.description
  }
  if (params.length) op.parameters = params
  for (const m of Object.values(((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>)) {
    const s = m.schema as Json
    const target = typeof s.$ref === 'string' ? schemas[s.$ref.slice(REF.length)] : s
    if (m.example === undefined && Array.isArray(target?.examples)) m.example = target.examples[0]
  }
}

function refsIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) out.add(v.slice(REF.length))
      else refsIn(v, out)
    }
  }
}

function renameRefs<T>(value: T, rename: (id: string) => string): T {
  return JSON.parse(JSON.stringify(value), (k, v) => (k === '$ref' && typeof v === 'string' && v.startsWith(REF) ? REF + rename(v.slice(REF.length)) : v))
}

/**
 * One component per schema. The zod transform emits each registered schema twice, `X` (output)
 * and `XInput` (input, where fields with defaults are optional). Of the pair, only those the paths
 * reach are kept; a lone `XInput` (a request body) takes the name `X`; a reached pair is merged
 * when it is the same schema. Unreached components are dropped.
 */
function dedupeComponents(doc: Json): void {
  const components = doc.components as { schemas: Record<string, Json> }
  const all = components.schemas
  const reached = new Set<string>()
  const pending = new Set<string>()
  refsIn(doc.paths, pending)
  while (pending.size) {
    const [id] = pending
    pending.delete(id)
    if (reached.has(id) || !all[id]) continue
    reached.add(id)
    const inner = new Set<string>()
    refsIn(all[id], inner)
    for (const i of inner) if (!reached.has(i)) pending.add(i)
  }
  const base = (id: string) => (id.endsWith('Input') && all[id.slice(0, -5)] ? id.slice(0, -5) : id)
  const merged = (id: string) => base(id)
  const keepInput = new Set<string>()
  for (const id of reached) {
    if (!id.endsWith('Input') || base(id) === id) continue
    const out = base(id)
    if (reached.has(out) && JSON.stringify(renameRefs(all[id], merged)) !== JSON.stringify(renameRefs(all[out], merged))) keepInput.add(id)
  }
  const name = (id: string) => (keepInput.has(id) ? id : base(id))
  const schemas: Record<string, Json> = {}
  for (const id of [...reached].sort()) {
    const n = name(id)
    if (!schemas[n] || id === n) schemas[n] = renameRefs(all[id], name)
  }
  doc.paths = renameRefs(doc.paths, name)
  components.schemas = schemas
}

/** Fails generation on an operation without operationId or description (every one needs both). */
function checkOperations(doc: Json): void {
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op.operationId || !op.description) throw new Error(`${method.toUpperCase()} ${path} needs an operationId and a description`)
    }
  }
}

/** The transform and transformObject of @fastify/swagger for one app. */
export function openapiContract() {
  const recorded = new Map<string, Recorded>()
  const transform = (input: TransformInput) => {
    const result = jsonSchemaTransform(input)
    const schema = input.schema as { operationId?: string; contract?: OperationContract } | undefined
    if (schema?.operationId) {
      const config = (input.route as { config?: { rateLimit?: unknown; public?: boolean } }).config
      recorded.set(schema.operationId, { contract: schema.contract ?? {}, rateLimited: config?.rateLimit !== false })
    }
    delete (result.schema as { contract?: unknown } | undefined)?.contract
    return result
  }
  const transformObject = (input: TransformObjectInput) => {
    const doc = jsonSchemaTransformObject(input) as unknown as Json
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas
    checkOperations(doc)
    for (const item of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
      for (const op of Object.values(item)) {
        const rec = recorded.get(op.operationId as string) ?? { contract: {}, rateLimited: true }
        shapeResponses(op, rec)
        shapeRequest(op, rec, schemas)
      }
    }
    dedupeComponents(doc)
    return doc as unknown as ReturnType<typeof jsonSchemaTransformObject>
  }
  return { transform, transformObject }
}

