/**
 * HTTP throughput under query load (issue "Throughput at scale"): a real server process on
 * 127.0.0.1, a `parity` sketch of m records (n = 1024, k = 32), autocannon with 16 connections for
 * 20 s on POST /query (top = 100) while a second, light client measures GET /health latency.
 * Run: npm run bench -- http   (add --records 100000 for one size; --seconds S to shorten)
 * Every request goes to this machine's loopback address only, and each run stops by itself.
 */
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { randomBytes } from 'node:crypto'

const argValue = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : undefined
}
const sizes = argValue('--records') ? [argValue('--records')!] : [100_000, 1_000_000]
const seconds = argValue('--seconds') ?? 20
const n = 1024
const token = randomBytes(24).toString('hex')

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

async function api(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : null
}

/**
 * The /health client runs in a process of its own: in the load generator's process its timings
 * would include that event loop's own delays (16 busy connections), not only the server's.
 */
function healthProbe(base: string, seconds: number): Promise<{ latency: { p99: number } }> {
  const script = `import('autocannon').then(async ({ default: ac }) => {
    const r = await ac({ url: ${JSON.stringify(`${base}/health`)}, connections: 1, duration: ${seconds}, overallRate: 20 })
    process.stdout.write(JSON.stringify({ latency: r.latency }))
  })`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`health probe exited with ${code}`))))
  })
}

async function runSize(m: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-bench-http-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  // the compiled server, as in production (`npm run bench` builds first)
  const server = spawn(process.execPath, ['dist/server/server.js'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DPDIST_DB: join(dir, 'db.sqlite'), DPDIST_ADMIN_TOKEN: token, LOG_LEVEL: 'warn', DPDIST_RATE_LIMIT: '10000000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/health`)).ok) break
      } catch {
        if (i > 300) throw new Error('server did not start')
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    await api(base, 'POST', '/v1/datasets', { name: 'bench', bits: n, epsilonBudget: 100 })
    const packed = randomBytes(m * (n / 8))
    await api(base, 'POST', '/v1/datasets/bench/records', packed, { 'content-type': 'application/octet-stream', 'record-bits': String(n), 'record-count': String(m) })
    const job = await api(base, 'POST', '/v1/datasets/bench/sketches', { metric: 'hamming', epsilon: 4, k: 32 })
    for (;;) {
      const s = await api(base, 'GET', `/v1/datasets/bench/sketches/${job.id}`)
      if (s.status === 'ready') break
      if (s.status === 'failed') throw new Error(`build failed: ${s.error}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const query = randomBytes(n / 8).toString('hex')
    const body = JSON.stringify({ metric: 'hamming', query, encoding: 'hex', top: 100 })
    // warm-up: worker threads start and the JIT settles before anything is measured
    await autocannon({ url: `${base}/v1/datasets/bench/query`, method: 'POST', connections: 4, duration: 3, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
    const health = healthProbe(base, seconds)
    const load = autocannon({
      url: `${base}/v1/datasets/bench/query`,
      method: 'POST',
      connections: 16,
      duration: seconds,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    })
    const [h, q] = await Promise.all([health, load])
    return `| ${m.toLocaleString('en')} | ${q.requests.average.toFixed(1)} | ${q.latency.p50} | ${q.latency.p99} | ${(q.latency.p99 / Math.max(1, q.latency.p50)).toFixed(2)} | ${q.non2xx} | ${h.latency.p99} |`
  } finally {
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

const rows: string[] = []
for (const m of sizes) rows.push(await runSize(m))
console.log(`## HTTP under query load (parity, n = ${n}, k = 32, top = 100)

Machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}. Command: \`npm run bench -- http\`
(server in its own process on 127.0.0.1; autocannon 16 connections × ${seconds} s on POST /query; a second client, in a process of its own, at 20 req/s on /health).
Targets at m = 10^6 on 2 cores: ≥ 40 query requests/s, p99 ≤ 3 × p50, /health p99 < 20 ms.

| m | queries/s | p50 ms | p99 ms | p99/p50 | non-2xx | /health p99 ms |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`)
