/**
 * No raw bits leak. A full scenario runs against a real app (worker threads for builds, every log
 * line captured at trace level): create, load in every format and encoding, build parity and
 * noisy-bits sketches, sketch queries, geometric queries, batches, budget and metrics views, and
 * every kind of error, including uploads whose id and bits columns are swapped. Then no record's
 * bits and no query string, in binary, hex (either case) or base64 (either alphabet), whole or as
 * any long aligned piece, may appear in any log line, response body or response header.
 *
 * Out of scope (reflected client input, not data): bits a client puts in a URL path, in a JSON key
 * name or in the `sketch` id field.
 */
import t from 'tap'
import { Writable } from 'node:stream'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { loggerOptions } from '../../server/logger.js'
import { formatBits, randomBits, wordsToBytes } from '../../sketch/bits.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { testApp } from '../support/app.js'

const N = 128
const M = 84

const rng = new SeededNoiseSource('no-leak')
const rawBits = () => wordsToBytes(randomBits(N, () => rng.nextUint32()), N)
const records = Array.from({ length: M }, (_, i) => ({ id: `rec-${i}`, bytes: rawBits() }))
const queries = Array.from({ length: 6 }, () => rawBits())
const enc = (b: Uint8Array, e: 'binary' | 'hex' | 'base64') => formatBits(b, e, N)

/** Every representation of a bit string, and the long pieces of each that would betray it. */
function needles(bytes: Uint8Array): string[] {
  const binary = enc(bytes, 'binary')
  const hex = enc(bytes, 'hex')
  const b64 = enc(bytes, 'base64')
  const out = new Set<string>()
  // pieces: 40 bits of binary, 80 bits of hex, 96 bits of base64 (aligned to whole 3-byte groups)
  for (let i = 0; i + 40 <= binary.length; i += 8) out.add(binary.slice(i, i + 40))
  for (let i = 0; i + 20 <= hex.length; i += 2) {
    out.add(hex.slice(i, i + 20))
    out.add(hex.slice(i, i + 20).toUpperCase())
  }
  for (let i = 0; i + 16 <= b64.length; i += 4) {
    const piece = b64.slice(i, i + 16)
    out.add(piece)
    out.add(piece.replaceAll('+', '-').replaceAll('/', '_'))
  }
  return [...out]
}

t.test('a full scenario leaks no record bits and no query string anywhere', async (t) => {
  const h = await testApp({ env: { LOG_LEVEL: 'trace', DPDIST_BATCH_MAX: '8' } })
  t.teardown(h.close)
  const seen: { what: string; res: LightMyRequestResponse }[] = []
  const call = async (what: string, opts: InjectOptions & { token?: string | null }, expect?: number) => {
    const res = await h.request(opts)
    seen.push({ what, res })
    if (expect !== undefined) t.equal(res.statusCode, expect, `${what} → ${expect}${res.statusCode === expect ? '' : `: ${res.body.slice(0, 300)}`}`)
    return res
  }
  const json = (what: string, method: 'POST' | 'PUT' | 'GET' | 'DELETE', url: string, payload: unknown, expect: number, token?: string) =>
    call(what, { method, url, payload: payload as object, token }, expect)
  const upload = (what: string, type: string, payload: string | Buffer, expect: number, headers: Record<string, string> = {}, query = '') =>
    call(what, { method: 'POST', url: `/v1/datasets/s/records${query}`, headers: { 'content-type': type, ...headers }, payload }, expect)

  await json('create', 'POST', '/v1/datasets', { name: 's', bits: N, epsilonBudget: 60, retainRaw: true }, 201)
  const slice = (from: number, to: number) => records.slice(from, to)

  // load in every format and encoding (12 records each)
  for (const [i, e] of (['binary', 'hex', 'base64'] as const).entries()) {
    await json(`load json ${e}`, 'POST', '/v1/datasets/s/records', { encoding: e, records: slice(12 * i, 12 * i + 12).map((r) => ({ id: r.id, bits: enc(r.bytes, e) })) }, 201)
  }
  await upload('load ndjson', 'application/x-ndjson', slice(36, 48).map((r, i) => JSON.stringify({ id: r.id, bits: enc(r.bytes, i % 2 ? 'hex' : 'binary'), encoding: i % 2 ? 'hex' : 'binary' })).join('\n'), 201)
  await upload('load text base64', 'text/plain', slice(48, 60).map((r) => `${r.id}\t${enc(r.bytes, 'base64')}`).join('\n'), 201, {}, '?encoding=base64')
  await upload('load csv hex', 'text/csv', `id,bits\n${slice(60, 72).map((r) => `${r.id},${enc(r.bytes, 'hex')}`).join('\n')}\n`, 201, {}, '?encoding=hex')
  await upload('load packed', 'application/octet-stream', Buffer.concat(slice(72, 84).map((r) => Buffer.from(r.bytes))), 201, { 'record-bits': String(N), 'record-count': '12' })
  const victim = records[3]

  // every kind of refused upload, with real record bits inside
  const b = enc(victim.bytes, 'binary')
  const hx = enc(victim.bytes, 'hex')
  await json('json wrong length', 'POST', '/v1/datasets/s/records', { records: [{ id: 'x1', bits: b.slice(0, -1) }] }, 400)
  await json('json bad character', 'POST', '/v1/datasets/s/records', { records: [{ id: 'x2', bits: `${b.slice(0, -1)}2` }] }, 400)
  await json('json swapped id and bits', 'POST', '/v1/datasets/s/records', { records: [{ id: b, bits: 'x3' }] }, 400)
  await json('json swapped, hex', 'POST', '/v1/datasets/s/records', { encoding: 'hex', records: [{ id: hx, bits: 'x4' }] }, 400)
  await json('json duplicate bit-like ids', 'POST', '/v1/datasets/s/records', { records: [{ id: b, bits: b }, { id: b, bits: b }] }, 400)
  await json('json duplicate of a stored id', 'POST', '/v1/datasets/s/records', { records: [{ id: victim.id, bits: b }] }, 400)
  await json('json wrong encoding', 'POST', '/v1/datasets/s/records', { encoding: 'hex', records: [{ bits: b }] }, 400)
  await upload('text swapped columns', 'text/plain', `${b}\tid-1\n`, 400)
  await upload('text wrong length', 'text/plain', `t1\t${b}0\n`, 400)
  await upload('ndjson bad line', 'application/x-ndjson', `{"id":"n1","bits":"${b}"}\n{"id":"n2","bits":"${b}"\n`, 400)
  await upload('ndjson swapped', 'application/x-ndjson', `{"id":"${b}","bits":"n3"}\n`, 400)
  await upload('ndjson unknown key', 'application/x-ndjson', `{"id":"n4","bits":"${b}","extra":"${b}"}\n`, 400)
  await upload('csv extra field', 'text/csv', `c1,${hx},${hx}\n`, 400, {}, '?encoding=hex')
  await upload('csv swapped', 'text/csv', `${hx},c2\n`, 400, {}, '?encoding=hex')
  await upload('packed truncated', 'application/octet-stream', Buffer.from(victim.bytes).subarray(0, 10), 400, { 'record-bits': String(N) })
  await upload('packed wrong Record-Bits', 'application/octet-stream', Buffer.from(victim.bytes), 400, { 'record-bits': '64' })
  await upload('packed wrong Record-Count', 'application/octet-stream', Buffer.from(victim.bytes), 400, { 'record-bits': String(N), 'record-count': '2' })
  await upload('unsupported type', 'application/xml', `<r>${b}</r>`, 415)
  await upload('malformed JSON', 'application/json', `{"records":[{"bits":"${b}"`, 400)
  const analyst = (await json('analyst token', 'POST', '/v1/tokens', { role: 'analyst', datasets: ['s'] }, 201)).json().token as string
  await json('upload by an analyst', 'POST', '/v1/datasets/s/records', { records: [{ bits: b }] }, 403, analyst)
  await call('upload without token', { method: 'POST', url: '/v1/datasets/s/records', token: null, payload: { records: [{ bits: b }] } }, 401)
  await json('upload to a missing dataset', 'POST', '/v1/datasets/none/records', { records: [{ bits: b }] }, 404)

  // sketches: dry run, builds (parity and noisy-bits, in worker threads), views
  await json('estimate', 'POST', '/v1/datasets/s/sketches:estimate', { metric: 'hamming', epsilon: 4, k: 32, targetSd: 5 }, 200)
  const parity = (await json('build parity', 'POST', '/v1/datasets/s/sketches', { metric: 'hamming', epsilon: 4, k: 32 }, 202)).json().id as string
  const noisy = (await json('build noisy-bits', 'POST', '/v1/datasets/s/sketches', { metric: 'edit', epsilon: 8, k: 8 }, 202)).json().id as string
  await h.services.sketches.whenDone(parity)
  await h.services.sketches.whenDone(noisy)
  await json('parity ready', 'GET', `/v1/datasets/s/sketches/${parity}`, undefined, 200)
  await json('noisy-bits ready', 'GET', `/v1/datasets/s/sketches/${noisy}`, undefined, 200)
  await json('sketch list', 'GET', '/v1/datasets/s/sketches', undefined, 200)
  await json('build over budget', 'POST', '/v1/datasets/s/sketches', { metric: 'hamming', epsilon: 1000, k: 32 }, 409)

  // queries: sketch (free), geometric (charged), batches, by the analyst
  const [q0, q1, q2, q3, q4, q5] = queries
  t.equal((await json('sketch hamming', 'POST', '/v1/datasets/s/query', { metric: 'hamming', query: enc(q0, 'binary'), top: M }, 200, analyst)).json().results.length, M)
  await json('sketch hamming by id, hex', 'POST', '/v1/datasets/s/query', { metric: 'hamming', sketch: parity, query: enc(q1, 'hex'), encoding: 'hex', top: 5 }, 200, analyst)
  await json('sketch edit', 'POST', '/v1/datasets/s/query', { metric: 'edit', query: enc(q2, 'base64'), encoding: 'base64', top: M }, 200, analyst)
  await json('sketch batch', 'POST', '/v1/datasets/s/query:batch', { metric: 'hamming', queries: [q3, q4].map((q) => enc(q, 'hex')), encoding: 'hex', top: 4 }, 200, analyst)
  await json('geometric hamming', 'POST', '/v1/datasets/s/query', { metric: 'hamming', mechanism: 'geometric', epsilon: 1, query: enc(q5, 'binary'), top: M }, 200, analyst)
  await json('geometric edit', 'POST', '/v1/datasets/s/query', { metric: 'edit', mechanism: 'geometric', epsilon: 1, k: 20, query: enc(q0, 'hex'), encoding: 'hex' }, 200, analyst)
  await json('geometric batch', 'POST', '/v1/datasets/s/query:batch', { metric: 'hamming', mechanism: 'geometric', epsilon: '0.5', queries: [q1, q2].map((q) => enc(q, 'base64')), encoding: 'base64' }, 200, analyst)
  // a record's own bits as the query (the most sensitive query there is)
  await json('query = a record', 'POST', '/v1/datasets/s/query', { metric: 'hamming', mechanism: 'geometric', epsilon: 1, query: b }, 200, analyst)

  // every kind of refused query, each carrying a query string
  const qb = enc(q3, 'binary')
  await json('query wrong length', 'POST', '/v1/datasets/s/query', { metric: 'hamming', query: qb.slice(1) }, 400, analyst)
  await json('query bad character', 'POST', '/v1/datasets/s/query', { metric: 'hamming', query: `${qb.slice(1)}x` }, 400, analyst)
  await json('query wrong encoding', 'POST', '/v1/datasets/s/query', { metric: 'hamming', query: qb, encoding: 'hex' }, 400, analyst)
  await json('query hex as binary', 'POST', '/v1/datasets/s/query', { metric: 'hamming', query: enc(q3, 'hex') }, 400, analyst)
  await json('query as a wrong-typed field', 'POST', '/v1/datasets/s/query', { metric: 'hamming', query: qb, top: qb }, 400, analyst)
  await json('query in the metric field', 'POST', '/v1/datasets/s/query', { metric: qb, query: qb }, 400, analyst)
  await json('query in the encoding field', 'POST', '/v1/datasets/s/query', { metric: 'hamming', query: qb, encoding: qb }, 400, analyst)
  await json('query as epsilon', 'POST', '/v1/datasets/s/query', { metric: 'hamming', mechanism: 'geometric', epsilon: qb, query: qb }, 400, analyst)
  await json('geometric without epsilon', 'POST', '/v1/datasets/s/query', { metric: 'hamming', mechanism: 'geometric', query: qb }, 400, analyst)
  await json('epsilon on a sketch query', 'POST', '/v1/datasets/s/query', { metric: 'hamming', epsilon: 1, query: qb }, 400, analyst)
  await json('geometric over budget', 'POST', '/v1/datasets/s/query', { metric: 'hamming', mechanism: 'geometric', epsilon: 999, query: qb }, 409, analyst)
  await json('batch over budget', 'POST', '/v1/datasets/s/query:batch', { metric: 'hamming', mechanism: 'geometric', epsilon: 30, queries: [qb, qb] }, 409, analyst)
  await json('batch too large', 'POST', '/v1/datasets/s/query:batch', { metric: 'hamming', queries: Array(9).fill(qb) }, 400, analyst)
  await json('batch with one bad query', 'POST', '/v1/datasets/s/query:batch', { metric: 'hamming', queries: [qb, qb.slice(2)] }, 400, analyst)
  await json('query on a missing dataset', 'POST', '/v1/datasets/none/query', { metric: 'hamming', query: qb }, 404, analyst)
  await call('query without token', { method: 'POST', url: '/v1/datasets/s/query', token: null, payload: { metric: 'hamming', query: qb } }, 401)
  await call('query with a wrong token', { method: 'POST', url: '/v1/datasets/s/query', token: 'dpd_wrong', payload: { metric: 'hamming', query: qb } }, 401)
  await call('query, malformed JSON', { method: 'POST', url: '/v1/datasets/s/query', headers: { 'content-type': 'application/json' }, payload: `{"metric":"hamming","query":"${qb}"` }, 400)
  await call('query, text body', { method: 'POST', url: '/v1/datasets/s/query', headers: { 'content-type': 'text/plain' }, payload: qb }, 400)
  await call('query, ndjson body', { method: 'POST', url: '/v1/datasets/s/query', headers: { 'content-type': 'application/x-ndjson' }, payload: JSON.stringify({ metric: 'hamming', query: qb }) }, 415)
  await call('query, packed body', { method: 'POST', url: '/v1/datasets/s/query', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(q3) }, 415)

  // the views an analyst and the admin can read afterwards
  await json('dataset', 'GET', '/v1/datasets/s', undefined, 200, analyst)
  await json('datasets', 'GET', '/v1/datasets', undefined, 200)
  const budget = await json('budget', 'GET', '/v1/datasets/s/budget', undefined, 200, analyst)
  t.ok(budget.json().ledger.length >= 6, 'the ledger has every charge')
  await json('metrics', 'GET', '/metrics', undefined, 200)
  await json('tokens', 'GET', '/v1/tokens', undefined, 200)
  await json('delete', 'DELETE', '/v1/datasets/s', undefined, 204)

  // the search
  const haystacks: [string, string][] = [
    ...seen.map(({ what, res }) => [`response body of "${what}"`, res.body] as [string, string]),
    ...seen.map(({ what, res }) => [`response headers of "${what}"`, JSON.stringify(res.headers)] as [string, string]),
    ...h.logLines.map((l, i) => [`log line ${i}`, l] as [string, string]),
  ]
  t.ok(seen.length >= 60, `${seen.length} responses captured`)
  t.ok(h.logLines.length >= 2 * seen.length, `${h.logLines.length} log lines captured (trace level)`)
  const secrets = [
    ...records.map((r) => ({ name: `record ${r.id}`, needles: needles(r.bytes) })),
    ...queries.map((q, i) => ({ name: `query ${i}`, needles: needles(q) })),
  ]
  let checked = 0
  const leaks: string[] = []
  for (const s of secrets) {
    for (const [where, text] of haystacks) {
      checked++
      const hit = s.needles.find((needle) => text.includes(needle))
      if (hit) leaks.push(`${s.name} in ${where}: …${text.slice(Math.max(0, text.indexOf(hit) - 60), text.indexOf(hit) + hit.length + 10)}…`)
    }
  }
  t.same(leaks, [], `no bits in ${checked} (secret, place) pairs`)
  // the needles are not vacuous: they do find the bits in what was sent
  t.ok(needles(victim.bytes).some((n) => JSON.stringify({ records: [{ bits: b }] }).includes(n)), 'the search finds binary bits')
  t.ok(needles(victim.bytes).some((n) => hx.toUpperCase().includes(n)), 'and upper-case hex')
  t.ok(needles(q2).some((n) => enc(q2, 'base64').replaceAll('+', '-').replaceAll('/', '_').includes(n)), 'and base64url')
})

t.test('the logger redacts bit-carrying fields and credentials wherever services might log them', async (t) => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  const log = pino(loggerOptions('trace'), sink)
  const secret = enc(records[0].bytes, 'hex')
  const fields = ['bits', 'query', 'queries', 'records', 'body', 'token', 'secret']
  for (const field of fields) {
    log.info({ [field]: secret }, 'top level')
    log.info({ nested: { [field]: secret } }, 'one level down')
  }
  log.info({ req: { method: 'POST', url: `/v1/datasets/s/query?q=${secret}`, id: 'r1', headers: { authorization: `Bearer ${secret}` } } }, 'request')
  log.info({ headers: { authorization: `Bearer ${secret}` } }, 'headers')
  t.equal(lines.length, 2 * fields.length + 2)
  for (const line of lines) t.notOk(line.includes(secret), `redacted: ${line.slice(0, 120)}`)
  t.ok(lines.filter((l) => l.includes('[redacted]')).length >= 2 * fields.length + 1, 'replaced by the censor, not dropped silently')
  t.match(lines.at(-2), /"url":"\/v1\/datasets\/s\/query"/, 'the request serializer drops the query string')
})
