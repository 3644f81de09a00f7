/**
 * `dpdist demo` as a real process on its temporary database: the JSON report has every planted
 * record with its true distance, and the Hamming estimates are within six predicted standard
 * deviations of the truth (production noise in the child process; failure probability per record
 * below 10^-8 under a normal approximation).
 */
import { readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import t from 'tap'
import { dpdist, dpdistJson, ensureBuilt, tempDir } from './cli-harness.js'

ensureBuilt()

interface Row {
  id: string
  trueDistance: number
  estimate: number
  ciLow: number
  ciHigh: number
  status: string
}
interface Part {
  metric: string
  mechanism: string
  epsilon: number
  n: number
  k: number
  records: number
  predictedSd: { atZero: number; atHalfK: number; atK: number }
  planted: Row[]
  meanAbsoluteError: number
  coverage: number
  unrelated: { records: number; trueMin: number; trueMax: number; statuses: Record<string, number> }
}

t.test('demo --json: Hamming and edit parts', async (t) => {
  const { json, result } = await dpdistJson<{ backend: string; hamming: Part; edit: Part }>(['demo', '--records', '500'], { cwd: tmpdir() })
  t.equal(result.stderr, '')
  t.equal(json.backend, 'local')
  const h = json.hamming
  t.match(h, { metric: 'hamming', mechanism: 'parity', epsilon: 5, n: 1024, k: 64, records: 500 })
  t.equal(h.planted.length, 65)
  t.same(
    h.planted.map((r) => r.trueDistance),
    Array.from({ length: 65 }, (_v, d) => d),
    'planted at distances 0..64',
  )
  const sd = Math.max(h.predictedSd.atZero, h.predictedSd.atHalfK, h.predictedSd.atK)
  for (const r of h.planted) t.ok(Math.abs(r.estimate - r.trueDistance) <= 6 * sd, `${r.id}: |${r.estimate} − ${r.trueDistance}| ≤ 6·${sd.toFixed(2)}`)
  t.equal(h.unrelated.records, 435)
  t.ok(h.unrelated.trueMin > h.k, 'unrelated records are far away')
  t.ok(h.meanAbsoluteError >= 0 && h.meanAbsoluteError <= 6 * sd)

  const e = json.edit
  t.match(e, { metric: 'edit', mechanism: 'noisy-bits', n: 256, k: 32, records: 200 })
  t.equal(e.planted.length, 33)
  e.planted.forEach((r, d) => t.ok(r.trueDistance <= d, `${r.id}: edit distance ${r.trueDistance} ≤ its edit budget ${d}`))
  for (const r of [...h.planted, ...e.planted]) t.ok(r.ciLow <= r.estimate && r.estimate <= r.ciHigh)
})

t.test('demo prints a table and removes its temporary database', async (t) => {
  const scratch = tempDir()
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
  const r = await dpdist(['demo', '--records', '200', '--no-edit'], { env: { TMPDIR: scratch } })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^id\s+true distance\s+estimate\s+95 % interval\s+status$/m)
  t.match(r.stdout, /^near-00\s+0\s+/m)
  t.match(r.stdout, /mean absolute error over the 65 planted records: \d+\.\d\d/)
  t.notMatch(r.stdout, /Edit distance/)
  t.same(readdirSync(scratch), [], 'the temporary database is gone')
})
