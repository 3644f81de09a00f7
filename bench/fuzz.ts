/**
 * HTTP fuzzing against a real server. Starts dpdist from its sources on 127.0.0.1 and a free port
 * (a fresh database in a temp folder), prepares datasets, sketches and tokens, then sends a fixed
 * number of random and malformed requests (default 10 000) from a seeded fast-check generator:
 * near-valid and hostile JSON bodies for every route, broken uploads in every streamed format, any
 * method on any path with any content type, and raw malformed HTTP on bare sockets. Then it checks:
 * no 5xx answer, the server still healthy, `PRAGMA integrity_check` ok, every dataset's ledger sums
 * to its spent ε, no pending (uncommitted) record rows, and a clean SIGTERM exit (code 0).
 * Prints a markdown report (the one recorded in bench/results-fuzz.md) and exits 1 on failure.
 *
 *   npx tsx bench/fuzz.ts [--requests 10000] [--concurrency 8] [--seed 1]
 */
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request, Agent } from 'node:http'
import { connect } from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { openDatabase } from '../db/database.js'
import { anyRequest, type FuzzContext, type FuzzRequest } from '../test/security/fuzz-requests.js'
import { api, must, startServer, type ServerProcess } from '../test/support/server-process.js'

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`)
  return value
}

const REQUESTS = option('requests', 10_000)
const CONCURRENCY = option('concurrency', 8)
const SEED = option('seed', 1)
const N = 64
const REQUEST_TIMEOUT_MS = 30_000

/** Raw, malformed HTTP for bare sockets (the HTTP parser's own error path). */
const rawGarbage = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    'GET / HTTP/1.1\r\n\r\n',
    'GET /health HTTP/9.9\r\nHost: x\r\n\r\n',
    'POST /v1/datasets HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /v1/datasets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
    'POST /v1/datasets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    'POST /v1/datasets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
    `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    'GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    'GET /health HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n',
    'GET\u0000/health HTTP/1.1\r\n\r\n',
  ).map((s) => Buffer.from(s, 'latin1')),
)

interface Outcome {
  kind: string
  status: number | string
  detail?: string
}

function send(server: ServerProcess, agent: Agent, tokens: Record<string, string | null>, r: FuzzRequest): Promise<Outcome> {
  const kind = `${r.method} ${r.url.split('?')[0].replace(/^\/v1\/datasets\/[^/]+/, '/v1/datasets/*').replace(/\/sketches\/[^/:]+$/, '/sketches/*').replace(/^\/v1\/tokens\/.+$/, '/v1/tokens/*').slice(0, 60)}`
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...r.headers }
    const body = r.body === undefined ? undefined : Buffer.from(r.body)
    // framed explicitly: Node's client sends DELETE/OPTIONS bodies unframed, which would corrupt the connection
    if (body !== undefined) headers['content-length'] = String(body.length)
    const token = tokens[r.who]
    if (token) headers.authorization = `Bearer ${token}`
    let req
    try {
      req = request(`${server.url}${r.url}`, { method: r.method, headers, agent, timeout: REQUEST_TIMEOUT_MS })
    } catch (err) {
      // a request the client library itself refuses to send (e.g. an invalid character in a path)
      resolve({ kind, status: 'not sent', detail: (err as Error).message })
      return
    }
    req.on('response', (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.length < 2000 ? d.toString('utf8') : ''))
      res.on('end', () => {
        const status = res.statusCode ?? 0
        const problem = status >= 400 && r.method !== 'HEAD' && res.headers['content-type'] !== 'application/problem+json; charset=utf-8'
        resolve({ kind, status, detail: status >= 500 || problem ? `${r.method} ${r.url} → ${status} ${res.headers['content-type']} ${body.slice(0, 300)}` : undefined })
      })
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({ kind, status: `error ${(err as NodeJS.ErrnoException).code ?? err.message}`, detail: `${r.method} ${r.url}` }))
    req.end(body)
  })
}

function sendRaw(server: ServerProcess, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    let reply = ''
    const socket = connect(server.port, '127.0.0.1', () => socket.end(bytes))
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy())
    socket.on('data', (d) => (reply += d.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply)
      resolve({ kind: 'raw bytes', status: m ? Number(m[1]) : 'closed', detail: m && Number(m[1]) >= 500 ? reply.slice(0, 200) : undefined })
    })
  })
}


async function main(): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), 'dpdist-fuzz-'))
  const dbPath = join(dir, 'dpdist.db')
  const env = { DPDIST_RATE_LIMIT: '10000000', LOG_LEVEL: 'error', DPDIST_WORKERS: '2' }
  const server = await startServer({ dbPath, env })
  try {
    // set-up: two datasets with records (one retains raw bits), ready sketches, an analyst token
    for (const [name, retainRaw] of [['fz', true], ['fz-other', false]] as const) {
      await must(server, 'POST', '/v1/datasets', { json: { name, bits: N, epsilonBudget: 5, retainRaw } }, 201)
      await must(server, 'POST', `/v1/datasets/${name}/records`, { body: randomBytes(200 * (N / 8)), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)
    }
    const sketchIds: string[] = []
    for (const [name, body] of [
      ['fz', { metric: 'hamming', epsilon: 1, k: 8 }],
      ['fz', { metric: 'edit', epsilon: 1, k: 4 }],
      ['fz-other', { metric: 'hamming', epsilon: 1, k: 8 }],
    ] as const) {
      const job = await must<{ id: string }>(server, 'POST', `/v1/datasets/${name}/sketches`, { json: body }, 202)
      for (;;) {
        const v = await must<{ status: string; error: string | null }>(server, 'GET', `/v1/datasets/${name}/sketches/${job.id}`, {}, 200)
        if (v.status === 'ready') break
        if (v.status === 'failed') throw new Error(`setup build failed: ${v.error}`)
        await new Promise((r) => setTimeout(r, 50))
      }
      sketchIds.push(job.id)
    }
    const analyst = (await must(server, 'POST', '/v1/tokens', { json: { role: 'analyst', datasets: ['fz'] } }, 201)).token as string
    const ctx: FuzzContext = { dataset: 'fz', n: N, otherNames: ['fz-other', 'nope'], sketchIds: [...sketchIds, 'sk_0000000000000000'] }
    const tokens: Record<string, string | null> = { admin: server.adminToken, analyst, none: null, wrong: 'dpd_this-is-not-a-token' }

    // the requests: generated up front from the seed (so a run is reproducible), then sent
    const mixed = fc.oneof(
      { weight: 19, arbitrary: anyRequest(ctx).map((r) => ({ http: r })) },
      { weight: 1, arbitrary: rawGarbage.map((raw) => ({ raw })) },
    )
    const plan = fc.sample(mixed, { seed: SEED, numRuns: REQUESTS }) as ({ http: FuzzRequest } | { raw: Buffer })[]
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const outcomes: Outcome[] = []
    let next = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < plan.length) {
          const item = plan[next++]
          outcomes.push('raw' in item ? await sendRaw(server, item.raw) : await send(server, agent, tokens, item.http))
        }
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    agent.destroy()

    // checks
    const health = await api(server, 'GET', '/health', { token: null })
    const exit = await server.kill('SIGTERM')
    const db = openDatabase(dbPath, { readonly: true })
    const integrity = db.pragma('integrity_check', { simple: true })
    const datasets = db
      .prepare(
        `SELECT d.name, d.spent_micro AS spent, d.budget_micro AS budget, d.record_count AS records,
                COALESCE((SELECT SUM(epsilon_micro) FROM ledger l WHERE l.dataset_id = d.id AND l.kind <> 'budget'), 0) AS charged,
                (SELECT COUNT(*) FROM ledger l WHERE l.dataset_id = d.id AND l.kind <> 'budget') AS charges,
                (SELECT COUNT(*) FROM records r WHERE r.dataset_id = d.id AND r.ordinal >= d.record_count) AS pending
         FROM datasets d ORDER BY d.name`,
      )
      .all() as { name: string; spent: number; budget: number; records: number; charged: number; charges: number; pending: number }[]
    const sketchStates = db.prepare('SELECT status, COUNT(*) AS c FROM sketches GROUP BY status ORDER BY status').all() as { status: string; c: number }[]
    const buildErrors = db.prepare("SELECT mechanism, error, COUNT(*) AS c FROM sketches WHERE status = 'failed' GROUP BY mechanism, error").all() as { mechanism: string; error: string; c: number }[]
    db.close()

    // report
    const byStatus = new Map<string, number>()
    const byKind = new Map<string, Map<string, number>>()
    for (const o of outcomes) {
      const s = String(o.status)
      byStatus.set(s, (byStatus.get(s) ?? 0) + 1)
      const k = byKind.get(o.kind) ?? new Map<string, number>()
      k.set(s, (k.get(s) ?? 0) + 1)
      byKind.set(o.kind, k)
    }
    const serverErrors = outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500)
    const notProblem = outcomes.filter((o) => o.kind !== 'raw bytes' && typeof o.status === 'number' && o.status >= 400 && o.status < 500 && o.detail)
    const transport = outcomes.filter((o) => typeof o.status === 'string' && o.status.startsWith('error'))
    const ledgerOk = datasets.every((d) => d.charged === d.spent && d.spent <= d.budget)
    const pendingOk = datasets.every((d) => d.pending === 0)
    const failures: string[] = []
    if (outcomes.length !== REQUESTS) failures.push(`sent ${outcomes.length} of ${REQUESTS} requests`)
    if (serverErrors.length > 0) failures.push(`${serverErrors.length} answers were 5xx`)
    if (notProblem.length > 0) failures.push(`${notProblem.length} 4xx answers were not problem+json`)
    if (transport.length > 0) failures.push(`${transport.length} requests failed at the transport level`)
    if (health.status !== 200) failures.push(`/health answered ${health.status} after the run`)
    if (integrity !== 'ok') failures.push(`integrity_check: ${String(integrity)}`)
    if (!ledgerOk) failures.push('a ledger does not sum to its spent ε')
    if (!pendingOk) failures.push('pending record rows were left behind')
    if (exit.code !== 0) failures.push(`the server exited with ${JSON.stringify(exit)} on SIGTERM`)

    const lines: string[] = []
    lines.push(`## HTTP fuzz run (${new Date().toISOString().slice(0, 10)})`, '')
    lines.push(`Command: \`npx tsx bench/fuzz.ts --requests ${REQUESTS} --concurrency ${CONCURRENCY} --seed ${SEED}\``)
    lines.push(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}; server from sources (tsx), ${env.DPDIST_WORKERS} worker threads, rate limit raised to ${env.DPDIST_RATE_LIMIT}/min.`, '')
    lines.push(`${outcomes.length} requests in ${seconds.toFixed(1)} s (${(outcomes.length / seconds).toFixed(0)} req/s, ${CONCURRENCY} concurrent), ${outcomes.filter((o) => o.kind === 'raw bytes').length} of them raw malformed HTTP on bare sockets.`, '')
    lines.push('| status | count |', '|---|---:|')
    for (const [s, c] of [...byStatus].sort()) lines.push(`| ${s} | ${c} |`)
    lines.push('', '<details><summary>by route</summary>', '', '| request | statuses |', '|---|---|')
    for (const [k, m] of [...byKind].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`| \`${k}\` | ${[...m].sort().map(([s, c]) => `${s}: ${c}`).join(', ')} |`)
    lines.push('', '</details>', '')
    lines.push('Checks after the run:', '')
    lines.push(`- 5xx answers: ${serverErrors.length}`)
    lines.push(`- 4xx answers that were not problem+json (raw-socket parser errors excluded): ${notProblem.length}`)
    lines.push(`- transport errors (reset, timeout): ${transport.length}`)
    lines.push(`- \`GET /health\` after the run: ${health.status}`)
    lines.push(`- \`PRAGMA integrity_check\`: ${String(integrity)}`)
    lines.push(`- sketches by status: ${sketchStates.map((s) => `${s.status} ${s.c}`).join(', ')}`)
    for (const e of buildErrors) lines.push(`  - failed ${e.mechanism} build (${e.c}): "${e.error}"`)
    lines.push(`- SIGTERM: exit ${JSON.stringify(exit)}`, '')
    lines.push('| dataset | records | charges | ledger sum (µε) | spent (µε) | budget (µε) | pending rows |', '|---|---:|---:|---:|---:|---:|---:|')
    for (const d of datasets) lines.push(`| ${d.name.length > 24 ? `${d.name.slice(0, 24)}…` : d.name} | ${d.records} | ${d.charges} | ${d.charged} | ${d.spent} | ${d.budget} | ${d.pending} |`)
    lines.push('', failures.length === 0 ? '**Result: pass.**' : `**Result: FAIL** — ${failures.join('; ')}`)
    for (const o of [...serverErrors, ...notProblem, ...transport].slice(0, 10)) lines.push(`- \`${o.detail ?? o.kind}\``)
    process.stdout.write(`${lines.join('\n')}\n`)
    return failures.length === 0 ? 0 : 1
  } finally {
    await server.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exit(1)
  },
)
