/**
 * Upload bodies of records (POST …/records) and of a linkage run's queries (POST …/linkage-runs),
 * parsed the same way. JSON bodies are parsed whole (route body limit): ours,
 * {encoding, records: [{id, bits}]}, or anonlink's {"clks": ["<base64>", …]} (ids are positions).
 * NDJSON, text, CSV and octet-stream bodies are streamed through the record-format parsers in
 * bounded memory, with the byte limit counted here. Octet-stream takes our Record-Bits/Record-Count
 * headers or anonlink's Hash-Size (bytes per encoding) and Hash-Count.
 */
import type { FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { z } from 'zod'
import { BitParseError, parseBits, type Encoding } from '../sketch/bits.js'
import { ProblemError } from './errors.js'
import { showableId } from '../core/datasets.js'
import { recordsJsonBody } from '../core/schemas/records.js'
import type { OperationContract } from './openapi-contract.js'
import { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_SIZE, type LoadFormat, type ParsedRecord, RecordFormatError, parseRecordStream } from '../ingest/index.js'

/**
 * Content types streamed to the parsers instead of being buffered by Fastify. The parser is
 * registered only in the plugins of the upload routes: every other route refuses them (415;
 * text/plain is parsed as a string there and fails validation with 400).
 */
export const streamedTypes = ['application/x-ndjson', 'application/octet-stream', 'text/plain', 'text/csv']

/** Largest JSON upload (bytes): parsed whole, so well below V8's largest string (~512 MiB). */
export const JSON_UPLOAD_LIMIT = 64 * 1024 * 1024

export const uploadDescription =
  'Content-Type application/json: {encoding: binary|hex|base64, records: [{id?, bits}]}, or anonlink\'s {"clks": ["<base64>", ...]} ' +
  '(records numbered by position). application/x-ndjson: one {"id", "bits", "encoding"?} per line. text/plain: one string per line, optional "id<TAB>". ' +
  'text/csv: id,bits. application/octet-stream: concatenated packed records (ceil(n/8) bytes each, MSB-first), numbered by position, with ' +
  'Record-Bits (must equal the dataset length) and optionally Record-Count headers, or anonlink\'s Hash-Size (bytes per record, ceil(n/8)) ' +
  'and Hash-Count. Query parameter encoding (binary|hex|base64) applies to text, CSV and NDJSON.'

const formatOf: Record<string, LoadFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/octet-stream': 'packed',
  'text/plain': 'text',
  'text/csv': 'csv',
}

const clksJsonBody = z
  .object({ clks: z.array(z.string()).min(1).describe('base64 CLKs of ceil(n/8) bytes, records numbered by position') })
  .strict()
  .meta({ id: 'ClksUpload', description: "anonlink's upload shape", examples: [{ clks: ['qqo=', 'VVU='] }] })

const headerIntSchema = (description: string) => z.string().regex(/^\d{1,15}$/).describe(description)

/**
 * The upload body per content type and its headers, for the OpenAPI document. The examples fit a
 * 16-bit dataset (the CreateDataset example) and use ids no other example uses.
 */
export const uploadContract: OperationContract = {
  requestBody: {
    description: uploadDescription,
    content: {
      'application/json': { schema: z.union([recordsJsonBody, clksJsonBody]) },
      'application/x-ndjson': {
        schema: z.string().describe('one {"id", "bits", "encoding"?} object per line'),
        example: '{"id":"carol","bits":"1100110011001100"}\n{"id":"dave","bits":"0011001100110011"}\n',
      },
      'text/plain': { schema: z.string().describe('one bit string per line, optionally "id<TAB>bits"'), example: 'erin\t1111000011110000\n' },
      'text/csv': { schema: z.string().describe('id,bits lines'), example: 'frank,0000111100001111\n' },
      'application/octet-stream': { schema: z.string().meta({ contentMediaType: 'application/octet-stream', description: 'packed records, ceil(n/8) bytes each, MSB-first' }) },
    },
  },
  headers: {
    'Record-Bits': { description: 'octet-stream: bits per record (must equal the dataset\'s)', schema: headerIntSchema('bits per record') },
    'Record-Count': { description: 'octet-stream: the number of records (checked against the body)', schema: headerIntSchema('number of records') },
    'Hash-Size': { description: "octet-stream, anonlink's name: bytes per record, ceil(n/8)", schema: headerIntSchema('bytes per record') },
    'Hash-Count': { description: "octet-stream, anonlink's name: the number of records", schema: headerIntSchema('number of records') },
  },
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

/** Parses records of a JSON body one by one, naming the first bad one. */
async function* jsonBatches(body: unknown, n: number): AsyncGenerator<ParsedRecord[]> {
  const isClks = typeof body === 'object' && body !== null && 'clks' in body
  const parsed = isClks ? clksJsonBody.safeParse(body) : recordsJsonBody.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ProblemError(400, 'validation-error', `/${issue.path.join('/')}: ${issue.message}`)
  }
  const { encoding, records } =
    'clks' in parsed.data
      ? { encoding: 'base64' as Encoding, records: parsed.data.clks.map((bits) => ({ id: undefined, bits })) }
      : parsed.data
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

/** The expected record count of a packed body, after checking its length headers against n. */
function packedHeaders(req: FastifyRequest, n: number, name: string): { count: number; header: string } | undefined {
  const bits = headerInt(req.headers['record-bits'], 'Record-Bits')
  const hashSize = headerInt(req.headers['hash-size'], 'Hash-Size')
  if (bits === undefined && hashSize === undefined) {
    throw new ProblemError(400, 'validation-error', 'packed uploads need a Record-Bits (or anonlink Hash-Size) header')
  }
  if (bits !== undefined && bits !== n) throw new ProblemError(400, 'validation-error', `Record-Bits is ${bits} but dataset "${name}" has ${n}-bit records`)
  if (hashSize !== undefined && hashSize !== Math.ceil(n / 8)) {
    throw new ProblemError(400, 'validation-error', `Hash-Size is ${hashSize} bytes but dataset "${name}" has ${n}-bit records (${Math.ceil(n / 8)} bytes)`)
  }
  const count = headerInt(req.headers['record-count'], 'Record-Count')
  const hashCount = headerInt(req.headers['hash-count'], 'Hash-Count')
  if (count !== undefined && hashCount !== undefined && count !== hashCount) {
    throw new ProblemError(400, 'validation-error', 'Record-Count and Hash-Count disagree')
  }
  if (count !== undefined) return { count, header: 'Record-Count' }
  return hashCount === undefined ? undefined : { count: hashCount, header: 'Hash-Count' }
}

/** The batches of records of an upload request, of n-bit records, in any supported format. */
export function uploadBatches(req: FastifyRequest, n: number, limit: number, name: string): AsyncIterable<ParsedRecord[]> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type === 'application/json') return jsonBatches(req.body, n)
  const format = formatOf[type]
  if (!format) throw new ProblemError(415, 'unsupported-media-type', `unsupported Content-Type "${type}"`)
  const encoding = (req.query as Record<string, string | undefined>).encoding ?? 'binary'
  if (!['binary', 'hex', 'base64'].includes(encoding)) throw new ProblemError(400, 'validation-error', 'encoding must be binary, hex or base64')
  const expect = format === 'packed' ? packedHeaders(req, n, name) : undefined
  const batches = parseRecordStream(limited(req.body as Readable, limit), { format, n, encoding: encoding as Encoding })
  return expect === undefined ? batches : checkCount(batches, expect.count, expect.header)
}

async function* checkCount(batches: AsyncIterable<ParsedRecord[]>, expected: number, header: string): AsyncGenerator<ParsedRecord[]> {
  let seen = 0
  for await (const b of batches) {
    seen += b.length
    if (seen > expected) throw new ProblemError(400, 'validation-error', `the body holds more records than ${header} (${expected})`)
    yield b
  }
  if (seen !== expected) throw new ProblemError(400, 'validation-error', `${header} is ${expected} but the body holds ${seen} records`)
}
