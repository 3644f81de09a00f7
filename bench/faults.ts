/**
 * The event loop under heavy work (issue "Faults"): GET /health latency (p50, p99, max) of a real
 * server process while it runs each of: an lcp-tree calibration (n = 65 536, ε = 0.01, k = 4, 3
 * records), a geometric edit batch (8 queries, k = 128, m = 40 000 records of 4096 bits), a
 * `dpdist --db` CLI delete of a big dataset next to it, and the cleanup of an aborted upload; then
 * the server's peak RSS during uploads of long records at several record lengths. Targets: p99 <
 * 100 ms and max < 1 s; RSS bounded independently of the record length.
 *
 * /health is polled every 20 ms by a probe in a process of its own (in this process its timings
 * would include this loop's own work, e.g. pumping an upload). Everything runs on 127.0.0.1.
 * Run: npm run bench -- faults   (--delete-records M, --abort-mb S to change the scaled sizes)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../db/database.js'
import { DatasetRepository } from '../db/datasets.js'
import { endlessUpload, must, startServer, until, type ServerProcess } from '../test/support/server-process.js'
import { dpdist, ensureBuilt } from '../test/cli/cli-harness.js'

const argValue = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : undefined
}
const DELETE_RECORDS = argValue('--delete-records') ?? 3_000_000
const ABORT_MB = argValue('--abort-mb') ?? 1024

interface Latency {
  p50: number
  p99: number
  max: number
  count: number
}

/** A /health poller in its own process; stop() ends it and returns the latency summary (ms). */
function probe(url: string): { stop(): Promise<Latency> } {
  const script = `
    const lat = []
    let running = true
    process.stdin.on('end', () => { running = false }).resume()
    ;(async () => {
      while (running) {
        const t0 = performance.now()
        try { const r = await fetch(${JSON.stringify(`${url}/health`)}); await r.arrayBuffer() } catch {}
        lat.push(performance.now() - t0)
        await new Promise((r) => setTimeout(r, 20))
      }
      lat.sort((a, b) => a - b)
      const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]
      process.stdout.write(JSON.stringify({ p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1], count: lat.length }))
    })()`
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  const done = new Promise<Latency>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Latency) : reject(new Error(`probe exited ${code}`)))))
  return {
    stop() {
      child.stdin!.end()
      return done
    },
  }
}

async function withServer<T>(fn: (s: ServerProcess, dbPath: string) => Promise<T>, seed?: (dbPath: string) => void): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-bench-faults-'))
  const dbPath = join(dir, 'dpdist.db')
  seed?.(dbPath)
  const s = await startServer({ dbPath, env: { DPDIST_WORKERS: '2', LOG_LEVEL: 'info' } })
  try {
    return await fn(s, dbPath)
  } finally {
    await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

const packed = (count: number, n: number) => ({ body: randomBytes((count * n) / 8), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(n) } })
const waitReady = (s: ServerProcess, name: string, id: string) =>
  until(async () => ['ready', 'failed'].includes((await must<{ status: string }>(s, 'GET', `/v1/datasets/${name}/sketches/${id}`, {}, 200)).status), 600_000, 'the build')

interface Row {
  work: string
  seconds: number
  latency: Latency
  note: string
}

async function calibration(): Promise<Row> {
  return withServer(async (s) => {
    const n = 65_536
    await must(s, 'POST', '/v1/datasets', { json: { name: 'long', bits: n, epsilonBudget: 10, retainRaw: true, metrics: ['edit'] } }, 201)
    await must(s, 'POST', '/v1/datasets/long/records', packed(3, n), 201)
    const p = probe(s.url)
    const t0 = performance.now()
    const job = await must<{ id: string }>(s, 'POST', '/v1/datasets/long/sketches', { json: { metric: 'edit', mechanism: 'lcp-tree', epsilon: 0.01, k: 4 } }, 202)
    await waitReady(s, 'long', job.id)
    return { work: 'lcp-tree build + calibration (n = 65 536, ε = 0.01, k = 4, 3 records)', seconds: (performance.now() - t0) / 1000, latency: await p.stop(), note: 'calibration in a worker' }
  })
}

async function geometricBatch(): Promise<Row> {
  return withServer(async (s) => {
    const n = 4096
    await must(s, 'POST', '/v1/datasets', { json: { name: 'geo', bits: n, epsilonBudget: 100, retainRaw: true, metrics: ['hamming', 'edit'] } }, 201)
    await must(s, 'POST', '/v1/datasets/geo/records', packed(40_000, n), 201)
    const job = await must<{ id: string }>(s, 'POST', '/v1/datasets/geo/sketches', { json: { metric: 'hamming', epsilon: 4, k: 64 } }, 202)
    await waitReady(s, 'geo', job.id)
    const queries = Array.from({ length: 8 }, () => randomBytes(n / 8).toString('hex'))
    const p = probe(s.url)
    const t0 = performance.now()
    const batch = must(s, 'POST', '/v1/datasets/geo/query:batch', { json: { metric: 'edit', mechanism: 'geometric', epsilon: 0.01, k: 128, encoding: 'hex', queries, top: 3 } }, 200)
    // free sketch queries during the batch, one after another
    const free: number[] = []
    let done = false
    void batch.finally(() => (done = true))
    while (!done) {
      const q0 = performance.now()
      await must(s, 'POST', '/v1/datasets/geo/query', { json: { metric: 'hamming', query: '0'.repeat(n), top: 5 } }, 200)
      free.push(performance.now() - q0)
      await new Promise((r) => setTimeout(r, 200))
    }
    await batch
    const seconds = (performance.now() - t0) / 1000
    return {
      work: 'geometric edit batch (8 queries, k = 128, m = 40 000, n = 4096)',
      seconds,
      latency: await p.stop(),
      note: `free sketch queries meanwhile: ${free.length}, slowest ${Math.round(Math.max(...free))} ms`,
    }
  })
}

function seedBig(dbPath: string, count: number): void {
  const db = openDatabase(dbPath)
  const repo = new DatasetRepository(db)
  const d = repo.create({ name: 'big', bits: 64, unitBits: 1, budgetMicro: 1, retainRaw: true, metrics: ['hamming'] }, new Date().toISOString())!
  repo.beginUpload(d.id)
  const insert = db.prepare('INSERT INTO records (dataset_id, ordinal, id, bits) VALUES (?, ?, ?, ?)')
  const bytes = randomBytes(8 * 65_536)
  for (let from = 0; from < count; from += 65_536) {
    db.transaction(() => {
      for (let i = from; i < Math.min(count, from + 65_536); i++) insert.run(d.id, i, String(i), bytes.subarray((i % 65_536) * 8, (i % 65_536) * 8 + 8))
    })()
  }
  repo.commitPending(d.id, 0, count)
  db.close()
}

/**
 * A closed loop of charged geometric queries (one at a time) while `during` runs, with /health
 * probed: run alone (`during` = a fixed wait) it is the baseline of the CLI delete's row.
 */
async function chargedLoop(s: ServerProcess, during: () => Promise<void>): Promise<{ seconds: number; latency: Latency; note: string }> {
  await must(s, 'POST', '/v1/datasets', { json: { name: 'geo', bits: 64, epsilonBudget: 1000, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/geo/records', packed(2000, 64), 201)
  const p = probe(s.url)
  let running = true
  const statuses = new Map<number, number>()
  const charges = (async () => {
    while (running) {
      const res = await fetch(`${s.url}/v1/datasets/geo/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ metric: 'hamming', mechanism: 'geometric', epsilon: '0.001', query: '1'.repeat(64), top: 1 }),
      })
      await res.arrayBuffer()
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    }
  })()
  const t0 = performance.now()
  await during()
  running = false
  await charges
  const seconds = (performance.now() - t0) / 1000
  const answered = [...statuses].map(([k, v]) => `${v} × ${k}`).join(', ')
  return { seconds, latency: await p.stop(), note: `charged queries: ${answered} (${Math.round([...statuses.values()].reduce((a, b) => a + b, 0) / seconds)}/s)` }
}

async function chargedAlone(): Promise<Row> {
  return withServer(async (s) => {
    const r = await chargedLoop(s, () => new Promise((resolve) => setTimeout(resolve, 20_000)))
    return { work: 'baseline: the same charged queries alone, 20 s', ...r }
  })
}

async function cliDelete(): Promise<Row> {
  ensureBuilt()
  return withServer(
    async (s, dbPath) => {
      const r = await chargedLoop(s, async () => {
        const cli = await dpdist(['--db', dbPath, 'dataset', 'delete', 'big'])
        if (cli.code !== 0) throw new Error(`dpdist delete: ${cli.stderr}`)
      })
      return { work: `CLI \`dataset delete\` of ${DELETE_RECORDS.toLocaleString('en')} records, charged queries meanwhile`, ...r }
    },
    (dbPath) => seedBig(dbPath, DELETE_RECORDS),
  )
}

const fileBytes = (p: string) => [p, `${p}-wal`].reduce((sum, f) => sum + (() => { try { return statSync(f).size } catch { return 0 } })(), 0)

async function abortedUpload(): Promise<Row> {
  return withServer(async (s, dbPath) => {
    const n = 8192
    await must(s, 'POST', '/v1/datasets', { json: { name: 'ds', bits: n, epsilonBudget: 1, retainRaw: true } }, 201)
    const before = fileBytes(dbPath)
    const up = endlessUpload(s, '/v1/datasets/ds/records', { 'content-type': 'application/octet-stream', 'record-bits': String(n) }, () => randomBytes(256 * 1024))
    await until(() => fileBytes(dbPath) - before > ABORT_MB * 2 ** 20, 1_800_000, 'the upload')
    const full = fileBytes(dbPath)
    const p = probe(s.url)
    const t0 = performance.now()
    up.stop()
    await until(() => /space given back/.test(s.stdout()), 1_800_000, 'the cleanup')
    const seconds = (performance.now() - t0) / 1000
    const after = fileBytes(dbPath)
    const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`
    return { work: `cleanup of an aborted ${ABORT_MB} MB upload (n = 8192)`, seconds, latency: await p.stop(), note: `files: ${mb(full)} → ${mb(after)}` }
  })
}

/** VmRSS / VmHWM of a process, in bytes. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

async function uploadRss(n: number, totalBytes: number): Promise<{ n: number; records: number; startMb: number; peakMb: number }> {
  return withServer(async (s) => {
    await must(s, 'POST', '/v1/datasets', { json: { name: 'long', bits: n, epsilonBudget: 1, retainRaw: true } }, 201)
    const recordBytes = n / 8
    const count = Math.floor(totalBytes / recordBytes)
    const before = memory(s.child.pid!)
    await new Promise<void>((resolve, reject) => {
      const req = request(`${s.url}/v1/datasets/long/records`, { method: 'POST', headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/octet-stream', 'record-bits': String(n) } })
      req.on('error', reject)
      req.on('response', (res) => {
        res.resume()
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`upload: ${res.statusCode}`))))
      })
      const chunk = randomBytes(1 << 20)
      let sent = 0
      const pump = () => {
        while (sent < count * recordBytes) {
          const part = chunk.subarray(0, Math.min(chunk.length, count * recordBytes - sent))
          sent += part.length
          if (!req.write(Buffer.from(part))) return void req.once('drain', pump)
        }
        req.end()
      }
      pump()
    })
    const after = memory(s.child.pid!)
    return { n, records: count, startMb: before.rss / 2 ** 20, peakMb: after.peak / 2 ** 20 }
  })
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)))
const load = loadavg().map((l) => l.toFixed(2)).join(' / ')
const rows: Row[] = []
process.stderr.write('calibration…\n')
rows.push(await calibration())
process.stderr.write('geometric batch…\n')
rows.push(await geometricBatch())
process.stderr.write('CLI delete…\n')
rows.push(await chargedAlone())
rows.push(await cliDelete())
process.stderr.write('aborted upload…\n')
rows.push(await abortedUpload())
process.stderr.write('upload RSS…\n')
const rss = []
for (const n of [1024, 2 ** 16, 2 ** 20, 2 ** 24]) rss.push(await uploadRss(n, 512 * 2 ** 20))

const out: string[] = []
out.push('# Faults: the event loop under heavy work, and upload memory')
out.push('')
out.push(`- Machine: ${cpus()[0]?.model.trim()} × ${cpus().length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${process.platform} ${process.arch}; Node ${process.version}`)
out.push('- Command: `npm run bench -- faults` (`npx tsx bench/faults.ts`); a real server process (`DPDIST_WORKERS=2`) per scenario, /health polled every 20 ms by a separate process')
out.push(`- Load average at start (1/5/15 min): ${load}`)
out.push('- Targets: /health p99 < 100 ms and max < 1 s during each; RSS bounded independently of the record length')
out.push('')
out.push('| heavy work | seconds | /health p50 ms | p99 ms | max ms | checks | notes |')
out.push('|---|---:|---:|---:|---:|---:|---|')
for (const r of rows) out.push(`| ${r.work} | ${r.seconds.toFixed(1)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p99)} | ${fmt(r.latency.max)} | ${r.latency.count} | ${r.note} |`)
out.push('')
out.push('Peak RSS of the server during one streamed packed upload of 512 MiB of records (VmHWM), by record length:')
out.push('')
out.push('| n (bits) | bytes/record | records | RSS before (MB) | peak RSS (MB) | growth (MB) |')
out.push('|---:|---:|---:|---:|---:|---:|')
for (const r of rss) out.push(`| ${r.n.toLocaleString('en')} | ${(r.n / 8).toLocaleString('en')} | ${r.records.toLocaleString('en')} | ${Math.round(r.startMb)} | ${Math.round(r.peakMb)} | ${Math.round(r.peakMb - r.startMb)} |`)
process.stdout.write(`${out.join('\n')}\n`)
