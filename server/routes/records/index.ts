/**
 * Record upload. JSON bodies ({encoding, records: [{id, bits}]}) are parsed whole (route body limit);
 * NDJSON, text, CSV and packed octet-stream bodies are streamed through the record-format parsers
 * in bounded memory, with the byte limit counted here. Every request is all-or-nothing.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Readable } from 'node:stream'
import { BitParseError, parseBits } from '../../../sketch/bits.js'
import { ProblemError } from '../../errors.js'
import { errorResponses, nameParams } from '../../../core/schemas/common.js'
import { showableId } from '../../../core/datasets.js'
import { requireAdmin } from '../../../core/principal.js'
import { loadResult, recordsJsonBody } from '../../../core/schemas/records.js'
import { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_SIZE, type LoadFormat, type ParsedRecord, RecordFormatError, parseRecordStream } from '../../../ingest/index.js'

const formatOf: Record<string, LoadFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/octet-stream': 'packed',
  'text/plain': 'text',
  'text/csv': 'csv',
}

async function* limited(stream: Readable, limit: number): AsyncGenerator<Uint8Array> {
  let total = 0
  // destroyOnReturn: false — when parsing stops early the request stays open, so the error handler
  // can read the rest and still deliver its answer
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
    total += (chunk as Uint8Array).length
    if (total > limit) throw new ProblemError(413, 'payload-too-large', `the upload exceeds the limit of ${limit} bytes`)
    yield chunk as Uint8Array
  }
}

function headerInt(value: string | string[] | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const text = Array.isArray(value) ? value[0] : value
  if (!/^\d{1,15}$/.test(text)) throw new ProblemError(400, 'validation-error', `${name} must be a non-negative integer`)
  return Number(text)
}

async function* jsonBatches(body: unknown, n: number): AsyncGenerator<ParsedRecord[]> {
  const parsed = recordsJsonBody.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ProblemError(400, 'validation-error', `/${issue.path.join('/')}: ${issue.message}`)
  }
  const { encoding, records } = parsed.data
  const batch: ParsedRecord[] = []
  let bytes = 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    const id = r.id === undefined ? null : String(r.id)
    try {
      batch.push({ id, bytes: parseBits(r.bits, encoding, n) })
    } catch (err) {
      if (err instanceof BitParseError) {
        const shown = id !== null && showableId(id, n) ? id : null
        throw new RecordFormatError(`record ${i}${shown === null ? '' : ` (id "${shown}")`}: ${err.message}`, i, null, shown)
      }
      throw err
    }
    bytes += batch[batch.length - 1].bytes.length
    if (batch.length === DEFAULT_BATCH_SIZE || bytes >= DEFAULT_BATCH_BYTES) {
      yield batch.splice(0)
      bytes = 0
    }
  }
  if (batch.length) yield batch
}

/**
 * Content types streamed to the record loader instead of being buffered by Fastify. The parser is
 * registered in this plugin only: every other route refuses them (415; text/plain is parsed as a
 * string there and fails validation with 400), instead of validating an unread stream object.
 */
export const streamedTypes = ['application/x-ndjson', 'application/octet-stream', 'text/plain', 'text/csv']

/** Largest JSON record upload (bytes). */
const JSON_UPLOAD_LIMIT = 64 * 1024 * 1024

const routes: FastifyPluginAsyncZod = async (app) => {
  app.addContentTypeParser(streamedTypes, (_req, payload, done) => done(null, payload))
  app.post(
    '/:name/records',
    {
      // JSON bodies are buffered and parsed whole, so they are capped well below V8's largest string
      // (~512 MiB; a bigger body would crash the process); bulk loads use the streamed formats.
      bodyLimit: Math.min(app.config.uploadLimit, JSON_UPLOAD_LIMIT),
      // Access is checked before the body is read: a token that may not upload here cannot make the
      // server buffer or parse a large body.
      preParsing: async (req) => {
        app.services.datasets.get(req.principal, (req.params as { name: string }).name)
        requireAdmin(req.principal)
      },
      schema: {
        tags: ['records'],
        summary: 'Upload records (admin): JSON, NDJSON, text, CSV or packed octet-stream; all or nothing',
        description:
          'Content-Type application/json: {encoding: binary|hex|base64, records: [{id?, bits}]}. ' +
          'application/x-ndjson: one {"id", "bits", "encoding"?} per line. text/plain: one string per line, optional "id<TAB>". ' +
          'text/csv: id,bits. application/octet-stream: concatenated packed records (ceil(n/8) bytes each, MSB-first) with ' +
          'Record-Bits (must equal the dataset length) and optionally Record-Count headers; packed records are numbered by position. ' +
          'Query parameter encoding (binary|hex|base64) applies to text, CSV and NDJSON.',
        params: nameParams,
        response: { 201: loadResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { datasets } = app.services
      const dataset = datasets.get(req.principal, req.params.name)
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
      let batches: AsyncIterable<ParsedRecord[]>
      let expectCount: number | undefined
      if (type === 'application/json') {
        batches = jsonBatches(req.body, dataset.bits)
      } else if (formatOf[type]) {
        const format = formatOf[type]
        const query = req.query as Record<string, string | undefined>
        const encoding = query.encoding ?? 'binary'
        if (!['binary', 'hex', 'base64'].includes(encoding)) throw new ProblemError(400, 'validation-error', 'encoding must be binary, hex or base64')
        if (format === 'packed') {
          const bits = headerInt(req.headers['record-bits'], 'Record-Bits')
          if (bits === undefined) throw new ProblemError(400, 'validation-error', 'packed uploads need a Record-Bits header')
          if (bits !== dataset.bits) throw new ProblemError(400, 'validation-error', `Record-Bits is ${bits} but dataset "${dataset.name}" has ${dataset.bits}-bit records`)
          expectCount = headerInt(req.headers['record-count'], 'Record-Count')
        }
        batches = parseRecordStream(limited(req.body as Readable, app.config.uploadLimit), {
          format,
          n: dataset.bits,
          encoding: encoding as 'binary' | 'hex' | 'base64',
        })
      } else {
        throw new ProblemError(415, 'unsupported-media-type', `unsupported Content-Type "${type}"`)
      }
      const counted = expectCount === undefined ? batches : checkCount(batches, expectCount)
      const result = await datasets.load(req.principal, dataset.name, counted)
      return reply.code(201).send(result)
    },
  )
}

async function* checkCount(batches: AsyncIterable<ParsedRecord[]>, expected: number): AsyncGenerator<ParsedRecord[]> {
  let seen = 0
  for await (const b of batches) {
    seen += b.length
    if (seen > expected) throw new ProblemError(400, 'validation-error', `the body holds more records than Record-Count (${expected})`)
    yield b
  }
  if (seen !== expected) throw new ProblemError(400, 'validation-error', `Record-Count is ${expected} but the body holds ${seen} records`)
}

export default routes
