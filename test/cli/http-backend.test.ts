/** The remote backend against a fake fetch: problem details, retries of shed requests, unreachable servers. */
import t from 'tap'
import { BackendError } from '../../cli/backend.js'
import { HttpBackend } from '../../cli/http-backend.js'

interface Call {
  url: string
  method: string
  headers: Record<string, string>
  body: unknown
}

function fakeFetch(responses: (() => Response)[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = []
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push({ url, method: String(init.method), headers: init.headers as Record<string, string>, body: init.body })
    const next = responses.shift()
    if (!next) throw new Error('unexpected request')
    return next()
  }) as unknown as typeof fetch
  return { fetch: fetchImpl, calls }
}

const problem = (status: number, code: string, detail: string, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify({ type: `/problems/${code}`, title: code, status, detail }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  })
const ok = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

t.test('requests carry the token; problem details become the message', async (t) => {
  const { fetch, calls } = fakeFetch([ok({ datasets: [] }), problem(404, 'not-found', 'no dataset named "x"')])
  const b = new HttpBackend({ url: 'http://server:8080/', token: 'secret-token', fetch })
  t.same(await b.listDatasets(), [])
  t.equal(calls[0].url, 'http://server:8080/v1/datasets')
  t.equal(calls[0].headers.authorization, 'Bearer secret-token')
  await t.rejects(b.getDataset('x'), new BackendError('no dataset named "x"', 404, 'not-found'))
  t.equal(calls[1].url, 'http://server:8080/v1/datasets/x')
})

t.test('a 503 overloaded is retried after Retry-After; other errors are not', async (t) => {
  const { fetch, calls } = fakeFetch([
    problem(503, 'overloaded', 'the server is overloaded', { 'retry-after': '0' }),
    ok({ dataset: 'x', epsilonBudget: 1, spent: 0, remaining: 1, ledger: [] }),
    problem(409, 'budget-exhausted', 'only ε = 0.5 remains'),
  ])
  const b = new HttpBackend({ url: 'http://server', token: 't', fetch })
  t.match(await b.budget('x'), { dataset: 'x' })
  t.equal(calls.length, 2, 'retried once')
  await t.rejects(b.query('x', { metric: 'hamming', query: '0101', mechanism: 'geometric', epsilon: 1 }), { message: 'only ε = 0.5 remains', status: 409 })
  t.equal(calls.length, 3, 'a 409 is final')
})

t.test('gives up after three shed attempts', async (t) => {
  const shed = problem(503, 'overloaded', 'the server is overloaded', { 'retry-after': '0' })
  const { fetch, calls } = fakeFetch([shed, shed, shed])
  const b = new HttpBackend({ url: 'http://server', token: 't', fetch })
  await t.rejects(b.listTokens(), { status: 503, message: 'the server is overloaded' })
  t.equal(calls.length, 3)
})

t.test('a streamed upload is sent once, as packed bytes when records have no ids', async (t) => {
  const { fetch, calls } = fakeFetch([problem(503, 'overloaded', 'the server is overloaded', { 'retry-after': '0' })])
  const b = new HttpBackend({ url: 'http://server', token: 't', fetch })
  async function* batches() {
    yield [{ id: null, bytes: Uint8Array.of(0xff) }]
  }
  await t.rejects(b.load('x', 8, batches()), { status: 503, message: 'the server is overloaded' })
  t.equal(calls.length, 1, 'not replayed')
  t.equal(calls[0].headers['content-type'], 'application/octet-stream')
  t.equal(calls[0].headers['record-bits'], '8')
})

t.test('records with ids go as NDJSON with base64 bits', async (t) => {
  let sent = ''
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    for await (const chunk of init.body as unknown as AsyncIterable<Uint8Array>) sent += Buffer.from(chunk).toString('utf8')
    return new Response(JSON.stringify({ dataset: 'x', loaded: 2, records: 2 }), { status: 201 })
  }) as unknown as typeof fetch
  const b = new HttpBackend({ url: 'http://server', token: 't', fetch: fetchImpl })
  const progress: number[] = []
  async function* batches() {
    yield [
      { id: 'a', bytes: Uint8Array.of(0xf0) },
      { id: 'b"q', bytes: Uint8Array.of(0x0f) },
    ]
  }
  t.match(await b.load('x', 8, batches(), (n) => progress.push(n)), { loaded: 2 })
  t.equal(sent, '{"id":"a","bits":"8A=="}\n{"id":"b\\"q","bits":"Dw=="}\n')
  t.same(progress, [2])
})

t.test('unreachable servers and bad URLs', async (t) => {
  const fetchImpl = (async () => {
    throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })
  }) as unknown as typeof fetch
  const b = new HttpBackend({ url: 'http://127.0.0.1:9', token: 't', fetch: fetchImpl })
  await t.rejects(b.listDatasets(), { message: 'cannot reach http://127.0.0.1:9: ECONNREFUSED', status: 0 })
  t.throws(() => new HttpBackend({ url: 'not a url', token: 't' }), { message: /absolute http/ })
  t.throws(() => new HttpBackend({ url: 'ftp://x', token: 't' }), { message: /http or https/ })
})
