/**
 * An upload of long records uses bounded memory. Records used to be batched 4096 at a time whatever
 * their size, so at n = 2^24 bits (2 MiB a record) the server held the whole upload (streaming
 * 2.5 GB raised its RSS from 107 MB to 2.68 GB). Batches are now bounded by bytes too (8 MiB,
 * ingest/record-formats.ts DEFAULT_BATCH_BYTES). A real server process takes 400 MB of such records
 * and its peak RSS (VmHWM) must stay far below the upload's size.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { must, startServer, type ServerProcess } from '../support/server-process.js'

const N = 2 ** 24
const RECORD = N / 8
const COUNT = 200

/** VmRSS and VmHWM (peak) of a Linux process, in bytes. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** Streams COUNT packed records of RECORD bytes, generated as they are sent. */
function upload(s: ServerProcess): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}/v1/datasets/long/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/octet-stream', 'record-bits': String(N), 'record-count': String(COUNT) },
    })
    req.on('error', reject)
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    const block = randomBytes(RECORD)
    let sent = 0
    const pump = () => {
      while (sent < COUNT) {
        block[0] = sent & 0xff // records differ
        sent++
        if (!req.write(Buffer.from(block))) {
          req.once('drain', pump)
          return
        }
      }
      req.end()
    }
    pump()
  })
}

t.test('RSS stays bounded while 400 MB of 2 MiB records are uploaded', { skip: process.platform === 'linux' ? false : 'reads /proc' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-mem-'))
  const s = await startServer({ dbPath: join(dir, 'dpdist.db'), env: { DPDIST_WORKERS: '1' } })
  t.teardown(async () => {
    await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  await must(s, 'POST', '/v1/datasets', { json: { name: 'long', bits: N, epsilonBudget: 1, retainRaw: true, metrics: ['hamming'] } }, 201)
  const before = memory(s.child.pid!)
  const res = await upload(s)
  const after = memory(s.child.pid!)
  t.equal(res.status, 201, `the upload is stored (${res.body.slice(0, 200)})`)
  const grew = after.peak - before.rss
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`
  t.ok(grew < 256 * 2 ** 20, `peak RSS grew by ${mb(grew)} (from ${mb(before.rss)} to a peak of ${mb(after.peak)}) for ${mb(COUNT * RECORD)} of records`)
})
