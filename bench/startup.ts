/**
 * Start-up (issue "Throughput at scale"): time to load a ready `parity` sketch of 10^6 records from
 * SQLite into one shared in-memory array, as the server does on start (SketchService.loadAll).
 * Run: npm run bench -- startup   (add --records N to change m)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomFillSync } from 'node:crypto'
import { openDatabase } from '../db/database.js'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { loadConfig } from '../core/config.js'
import { repositories } from '../core/context.js'
import { createServices } from '../core/index.js'
import { localOperator } from '../core/principal.js'

const arg = process.argv.indexOf('--records')
const m = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000
const n = 1024
const dir = mkdtempSync(join(tmpdir(), 'dpdist-bench-startup-'))
const path = join(dir, 'dpdist.db')
const config = { ...loadConfig({ DPDIST_DB: path }), workers: 0 }
const log = { info() {}, warn() {}, error: (o: object) => console.error(JSON.stringify(o)) }

function open() {
  const db = openDatabase(path)
  return { db, services: createServices({ ...repositories(db), config, noise: productionNoiseSource(), log }) }
}

try {
  const first = open()
  await first.services.datasets.create(localOperator, { name: 's', bits: n, unitBits: 1, budgetMicro: 10_000_000, retainRaw: false, metrics: ['hamming'] })
  await first.services.datasets.load(
    localOperator,
    's',
    (async function* () {
      for (let at = 0; at < m; at += 8192) {
        const count = Math.min(8192, m - at)
        const block = randomFillSync(new Uint8Array(count * (n / 8)))
        yield Array.from({ length: count }, (_, i) => ({ id: null, bytes: block.subarray(i * (n / 8), (i + 1) * (n / 8)) }))
      }
    })(),
  )
  const job = await first.services.sketches.build(localOperator, first.services.datasets.get(localOperator, 's'), { metric: 'hamming', epsilonMicro: 4_000_000, k: 32 })
  await first.services.sketches.whenDone(job.id)
  const built = first.services.sketches.get(first.services.datasets.get(localOperator, 's'), job.id)
  if (built.status !== 'ready') throw new Error(`build ${built.status}: ${built.error}`)
  await first.services.close()
  first.db.close()

  const t0 = performance.now()
  const second = open()
  const loaded = second.services.sketches.loadAll()
  const ms = performance.now() - t0
  await second.services.close()
  second.db.close()
  console.log(`## Start-up: loading a sketch into memory

Machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}. Command: \`npm run bench -- startup\`.

| records | sketch bytes | database file | open + migrate + load | loadAll alone (logged at start) |
|---|---|---|---|---|
| ${m.toLocaleString('en')} | ${(loaded.bytes / 1e6).toFixed(1)} MB | ${(statSync(path).size / 1e6).toFixed(0)} MB | ${ms.toFixed(0)} ms | ${loaded.ms} ms |
`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
