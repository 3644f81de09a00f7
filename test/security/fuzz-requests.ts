/**
 * Request generators for fuzzing (fast-check arbitraries), shared by test/security/fuzz.test.ts
 * (properties via inject) and bench/fuzz.ts (10 000 requests against a real server).
 *
 * Every JSON route gets three kinds of bodies: near-valid objects (a valid template with fields
 * deleted, replaced by hostile values or joined by unknown keys), arbitrary JSON values, and
 * malformed text (random strings, truncated JSON, prototype-poisoning keys). Uploads get line
 * formats assembled from valid and broken fragments, random bytes, and random format headers.
 */
import fc from 'fast-check'

export type Who = 'admin' | 'analyst' | 'none' | 'wrong'

export interface FuzzRequest {
  method: string
  url: string
  headers: Record<string, string>
  body?: string | Uint8Array
  who: Who
}

export interface FuzzContext {
  /** A dataset with records, a ready sketch and raw bits (the interesting target). */
  dataset: string
  /** Its record length. */
  n: number
  /** Other dataset names to try (existing or not). */
  otherNames: string[]
  /** Ids of sketches (real or not). */
  sketchIds: string[]
}

const bitString = (n: number) => fc.string({ unit: fc.constantFrom('0', '1'), minLength: n, maxLength: n })
const hexString = (chars: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: chars, maxLength: chars })

/** Strings that look like bits, in every encoding, of the right length and around it. */
function bitsLike(n: number): fc.Arbitrary<string> {
  return fc.oneof(
    bitString(n),
    bitString(n),
    fc.integer({ min: 0, max: n + 9 }).chain((len) => bitString(len)),
    hexString(Math.ceil(n / 4)),
    fc.uint8Array({ minLength: Math.ceil(n / 8), maxLength: Math.ceil(n / 8) }).map((b) => Buffer.from(b).toString('base64')),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.string({ unit: fc.constantFrom('0', '1', '2', ' ', '\t', 'x', '=', '\u0000', 'é'), maxLength: n + 4 }),
  )
}

/** Values that have broken validators before: wrong types, non-finite numbers, huge and tiny sizes. */
function hostile(n: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -0,
      -1,
      1,
      0.5,
      2,
      1e-9,
      1e-300,
      1e308,
      -1e308,
      2 ** 31,
      2 ** 32 + 1,
      2 ** 53,
      2 ** 53 + 2,
      '',
      ' ',
      '0',
      '1',
      '0.1',
      '-1',
      'NaN',
      'Infinity',
      '-Infinity',
      '1e400',
      '1e-400',
      '0x10',
      '1_000',
      '١',
      '\u0000',
      '__proto__',
      'constructor',
      'hamming',
      'edit',
      'binary',
      'hex',
      'base64',
      'sketch',
      'geometric',
      'parity',
      'pl07',
      'lcp-tree',
      'noisy-bits',
      'admin',
      'analyst',
      [],
      {},
      [null],
      { length: 1 },
    ),
    fc.integer(),
    fc.integer({ min: -3, max: 2 * n }),
    fc.double(),
    fc.double({ min: 0, max: 50, noNaN: true }),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 10 }),
    bitsLike(n),
    fc.array(fc.oneof(fc.string({ maxLength: 8 }), bitsLike(n), fc.integer()), { maxLength: 12 }),
    fc.jsonValue({ maxDepth: 2 }),
  )
}

/** A valid template with random deletions, hostile replacements and unknown keys. */
function mutated(template: Record<string, unknown>, n: number, extraKeys: string[] = []): fc.Arbitrary<unknown> {
  const keys = Object.keys(template)
  const changed = fc
    .record({
      drop: fc.subarray(keys, { maxLength: Math.min(2, keys.length) }),
      set: fc.dictionary(fc.constantFrom(...keys, ...extraKeys, 'extra', '__proto__', 'constructor'), hostile(n), { maxKeys: 3 }),
    })
    .map(({ drop, set }) => {
      const out: Record<string, unknown> = { ...template }
      for (const k of drop) delete out[k]
      for (const [k, v] of Object.entries(set)) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true })
      return out
    })
  // a quarter of the bodies are left valid, so requests also reach the code behind validation
  return fc.oneof({ weight: 1, arbitrary: fc.constant(template) }, { weight: 3, arbitrary: changed })
}

/** A JSON body text: mostly near-valid, sometimes any JSON, sometimes not JSON at all. */
function jsonText(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: value.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: value.chain((v) => fc.nat().map((cut) => { const s = JSON.stringify(v) ?? ''; return s.slice(0, cut % (s.length + 1)) })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'null',
        '[]',
        '"x"',
        '{"__proto__":{"role":"admin"},"role":"analyst"}',
        '{"constructor":{"prototype":{"x":1}}}',
        '{"a":1,"a":2}',
        '{' + '"a":'.repeat(500) + '1' + '}'.repeat(500),
        '['.repeat(5000),
        '\uFEFF{}',
        '{"metric":"hamming","query":"0"}garbage',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  )
}

/** Near-valid bodies for every JSON route, keyed by "METHOD route". */
export function jsonRoutes(ctx: FuzzContext): Record<string, fc.Arbitrary<FuzzRequest>> {
  const { n } = ctx
  const name = fc.constantFrom(ctx.dataset, ctx.dataset, ...ctx.otherNames)
  const bits = bitString(n)
  const who = fc.constantFrom<Who>('admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'analyst', 'analyst', 'none', 'wrong')
  const route = (method: string, url: fc.Arbitrary<string>, body: fc.Arbitrary<unknown>) =>
    fc.record({ method: fc.constant(method), url, body: jsonText(body), who }).map(
      (r): FuzzRequest => ({ ...r, headers: { 'content-type': 'application/json' } }),
    )
  const queryTemplate = (q: string) => ({ metric: 'hamming', query: q, encoding: 'binary', mechanism: 'sketch', top: 5, maxDistance: n, confidence: 0.9, simultaneous: false })
  const optionKeys = ['metric', 'encoding', 'mechanism', 'sketch', 'epsilon', 'k', 'top', 'maxDistance', 'confidence', 'simultaneous']
  return {
    'POST /v1/tokens': route('POST', fc.constant('/v1/tokens'), mutated({ role: 'analyst', datasets: [ctx.dataset], label: 'fuzz' }, n)),
    'POST /v1/datasets': route(
      'POST',
      fc.constant('/v1/datasets'),
      fc.nat(1_000_000).chain((i) => mutated({ name: `fz-${i}`, bits: 16, unitBits: 1, epsilonBudget: 1, retainRaw: true, metrics: ['hamming', 'edit'] }, n)),
    ),
    'PUT /v1/datasets/:name/budget': route('PUT', name.map((d) => `/v1/datasets/${d}/budget`), mutated({ epsilonBudget: 1000 }, n)),
    'POST /v1/datasets/:name/records': route(
      'POST',
      name.map((d) => `/v1/datasets/${d}/records`),
      fc.nat(1_000_000).chain((i) =>
        mutated(
          {
            encoding: 'binary',
            records: [{ id: `j-${i}`, bits: '0'.repeat(n) }],
          },
          n,
        ).chain((body) =>
          fc
            .array(fc.oneof(fc.record({ id: fc.oneof(fc.string({ maxLength: 12 }), fc.nat(), hostile(n)), bits: bitsLike(n) }, { requiredKeys: [] }), hostile(n)), { maxLength: 4 })
            .map((extra) => {
              const b = body as { records?: unknown }
              return Array.isArray(b.records) ? { ...b, records: [...b.records, ...extra] } : b
            }),
        ),
      ),
    ),
    'POST /v1/datasets/:name/sketches': route(
      'POST',
      name.map((d) => `/v1/datasets/${d}/sketches`),
      mutated({ metric: 'hamming', mechanism: 'parity', epsilon: 0.01, k: 4, options: {} }, n),
    ),
    'POST /v1/datasets/:name/sketches:estimate': route(
      'POST',
      name.map((d) => `/v1/datasets/${d}/sketches:estimate`),
      mutated({ metric: 'edit', mechanism: 'noisy-bits', epsilon: 2, k: 4, targetSd: 3 }, n),
    ),
    'POST /v1/datasets/:name/query': route(
      'POST',
      name.map((d) => `/v1/datasets/${d}/query`),
      fc.oneof(
        bits.chain((q) => mutated(queryTemplate(q), n, optionKeys)),
        bits.chain((q) => mutated({ ...queryTemplate(q), mechanism: 'geometric', epsilon: 0.001 }, n, optionKeys)),
        bits.chain((q) => mutated({ ...queryTemplate(q), metric: 'edit', mechanism: 'geometric', epsilon: 0.001, k: 3 }, n, optionKeys)),
        fc.constantFrom(...ctx.sketchIds).chain((s) => bits.chain((q) => mutated({ ...queryTemplate(q), sketch: s }, n))),
      ),
    ),
    'POST /v1/datasets/:name/query:batch': route(
      'POST',
      name.map((d) => `/v1/datasets/${d}/query:batch`),
      fc.array(fc.oneof({ weight: 4, arbitrary: bits }, { weight: 1, arbitrary: bitsLike(n) }), { minLength: 1, maxLength: 4 }).chain((qs) =>
        fc.oneof(
          mutated({ metric: 'hamming', queries: qs, top: 3 }, n, optionKeys),
          mutated({ metric: 'edit', queries: qs, mechanism: 'geometric', epsilon: 0.001, k: 2 }, n, optionKeys),
        ),
      ),
    ),
  }
}

/** Streamed uploads (NDJSON, text, CSV, packed) built from valid and broken pieces. */
export function uploads(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const { n } = ctx
  const id = fc.oneof(fc.nat().map((i) => `u${i}`), fc.string({ maxLength: 10 }), bitsLike(n), fc.constant(''))
  const ndjsonLine = fc.oneof(
    fc.record({ id, bits: bitsLike(n) }).map((r) => JSON.stringify(r)),
    fc.record({ id, bits: bitsLike(n), encoding: fc.constantFrom('binary', 'hex', 'base64', 'utf8') }, { requiredKeys: ['bits'] }).map((r) => JSON.stringify(r)),
    fc.record({ bits: bitsLike(n) }).map((r) => JSON.stringify(r)),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 40 }),
  )
  const textLine = fc.oneof(bitsLike(n), fc.tuple(id, bitsLike(n)).map(([i, b]) => `${i}\t${b}`), fc.string({ maxLength: 40 }))
  const csvLine = fc.oneof(
    fc.tuple(id, bitsLike(n)).map(([i, b]) => `${i},${b}`),
    fc.tuple(id, bitsLike(n)).map(([i, b]) => `"${i.replaceAll('"', '""')}","${b}"`),
    fc.constantFrom('id,bits', 'ID,BITS', '"unterminated,0101', 'a,b,c', ',', '""'),
    fc.string({ maxLength: 40 }),
  )
  const lines = (line: fc.Arbitrary<string>) =>
    fc
      .tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), fc.boolean())
      .map(([ls, sep, bom, trailing]) => `${bom ? '\uFEFF' : ''}${ls.join(sep)}${trailing ? sep : ''}`)
  const encodingQuery = fc.option(fc.constantFrom('binary', 'hex', 'base64', 'bogus', ''), { nil: undefined })
  const target = fc.constantFrom(ctx.dataset, ctx.dataset, ...ctx.otherNames)
  const who = fc.constantFrom<Who>('admin', 'admin', 'admin', 'admin', 'admin', 'analyst', 'none')
  // mostly-valid bodies too: one broken line spoils a whole upload, so random lines alone rarely load
  const uid = fc.nat().map((i) => `v${i}`)
  const validNdjson = fc.record({ id: uid, bits: bitString(n) }).map((r) => JSON.stringify(r))
  const validText = fc.tuple(uid, bitString(n)).map(([i, b]) => `${i}\t${b}`)
  const validCsv = fc.tuple(uid, bitString(n)).map(([i, b]) => `${i},${b}`)
  const textual = fc
    .record({
      type: fc.constantFrom('application/x-ndjson', 'text/plain', 'text/csv'),
      ndjson: fc.oneof(lines(ndjsonLine), lines(validNdjson)),
      text: fc.oneof(lines(textLine), lines(validText)),
      csv: fc.oneof(lines(csvLine), lines(validCsv)),
      encoding: encodingQuery,
      d: target,
      who,
    })
    .map(
      (r): FuzzRequest => ({
        method: 'POST',
        url: `/v1/datasets/${r.d}/records${r.encoding === undefined ? '' : `?encoding=${r.encoding}`}`,
        headers: { 'content-type': r.type },
        body: r.type === 'application/x-ndjson' ? r.ndjson : r.type === 'text/plain' ? r.text : r.csv,
        who: r.who,
      }),
    )
  const recordBytes = Math.ceil(n / 8)
  const packed = fc
    .record({
      records: fc.nat(6),
      extra: fc.integer({ min: -recordBytes, max: recordBytes }),
      random: fc.uint8Array({ maxLength: 6 * recordBytes + 8 }),
      useRandom: fc.boolean(),
      bitsHeader: fc.oneof(fc.constant(String(n)), fc.constant(String(n)), fc.constantFrom('', '0', '-1', 'abc', '1e3', String(n + 1), '99999999999999999'), fc.nat().map(String)),
      countHeader: fc.option(fc.oneof(fc.nat(8).map(String), fc.constantFrom('', '-1', 'x', '1.5')), { nil: undefined }),
      d: target,
      who,
    })
    .map((r): FuzzRequest => {
      const size = Math.max(0, r.records * recordBytes + r.extra)
      const body = r.useRandom ? r.random : new Uint8Array(size)
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
      if (r.bitsHeader !== '') headers['record-bits'] = r.bitsHeader
      if (r.countHeader !== undefined) headers['record-count'] = r.countHeader
      return { method: 'POST', url: `/v1/datasets/${r.d}/records`, headers, body, who: r.who }
    })
  return fc.oneof(textual, packed)
}

/**
 * Anything at all: every route and some that do not exist, any method, odd paths and headers,
 * bodies of any content type (bench/fuzz.ts).
 */
export function anyRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const routes = Object.values(jsonRoutes(ctx))
  const segment = fc.oneof(
    fc.constantFrom(ctx.dataset, ...ctx.otherNames, ...ctx.sketchIds, '..', '.', '%00', '%2e%2e', '%ZZ', 'a'.repeat(300), '~', "'", ':', '::', '*'),
    fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
  )
  const path = fc.oneof(
    fc.constantFrom('/health', '/metrics', '/v1/tokens', '/v1/datasets', '/docs', '/docs/json', '/', '/v1', '/v2/datasets'),
    segment.map((s) => `/v1/tokens/${s}`),
    segment.map((s) => `/v1/datasets/${s}`),
    fc.tuple(segment, fc.constantFrom('budget', 'records', 'sketches', 'sketches:estimate', 'query', 'query:batch', 'sketches/x', 'nope', '')).map(([s, r]) => `/v1/datasets/${s}/${r}`),
    fc.tuple(segment, segment).map(([a, b]) => `/v1/datasets/${a}/sketches/${b}`),
  )
  const query = fc.option(fc.constantFrom('?encoding=hex', '?a=1&a=2', '?%', '?top=1e9', `?x=${'y'.repeat(100)}`), { nil: '' })
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS')
  const contentType = fc.option(
    fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'text/csv', 'application/x-ndjson', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/xml', 'application/x-www-form-urlencoded', '*/*', ''),
    { nil: undefined },
  )
  const body = fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))), { nil: undefined })
  const who = fc.constantFrom<Who>('admin', 'analyst', 'none', 'wrong')
  const wild = fc.record({ method, path, query, contentType, body, who }).map(
    (r): FuzzRequest => ({
      method: r.method,
      url: `${r.path}${r.query}`,
      headers: r.contentType === undefined ? {} : { 'content-type': r.contentType },
      body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body,
      who: r.who,
    }),
  )
  return fc.oneof({ weight: 4, arbitrary: fc.oneof(...routes) }, { weight: 2, arbitrary: uploads(ctx) }, { weight: 3, arbitrary: wild })
}
