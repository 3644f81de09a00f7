/**
 * Linkage throughput (issue "bench/linkage"): one linkage run of q queries against a parity sketch
 * of m records with released popcounts, at k = 64 and k = 400 (ε = 4), on DPDIST_WORKERS = 1 and 2
 * scan threads, each in its own process (bench/linkage-measure.ts says what is measured and how the
 * records are made). Reference: anonlink's native Dice kernel, about 83 M pairs/s per core on
 * 1024-bit CLKs, top 100 over 10^6 (measured on this class of machine). Targets: at k = 64 at least
 * 5× that per core, at k = 400 at least that per core, 2 cores at least 1.7× one.
 *
 * Run: npm run bench -- linkage   (or: npx tsx --expose-gc bench/linkage.ts [--records M] [--queries Q] [--ks 64,400] [--workers 1,2])
 */
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { describeCpu, pathStatement } from './cpu.js'
import { type LinkageFigures, measureLinkage, POPCOUNT_EPSILON, SKETCH_EPSILON, THRESHOLD, TOP } from './linkage-measure.js'
import { nativeCountFilterModule } from '../sketch/kernels/native-count-filter.js'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const m = Number(arg('--records') ?? 1_000_000)
const q = Number(arg('--queries') ?? 10_000)
const ks = (arg('--ks') ?? '64,400').split(',').map(Number)
const workerCounts = (arg('--workers') ?? '1,2').split(',').map(Number)
const REFERENCE = 83e6

if (process.argv.includes('--child')) {
  const figures = await measureLinkage(m, q, Number(arg('--k')), Number(arg('--child-workers')))
  process.stdout.write(`${JSON.stringify(figures)}\n`)
  process.exit(0)
}

const results: LinkageFigures[] = []
for (const k of ks) {
  for (const workers of workerCounts) {
    process.stderr.write(`bench/linkage: k = ${k}, ${workers} worker(s), ${q.toLocaleString('en')} × ${m.toLocaleString('en')}\n`)
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--k', String(k), '--child-workers', String(workers), '--records', String(m), '--queries', String(q)], {
      env: { ...process.env, DPDIST_WORKERS: String(workers) },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    })
    if (child.status !== 0) throw new Error(`bench/linkage: the k = ${k}, ${workers}-worker run exited with ${child.status}`)
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as LinkageFigures
    process.stderr.write(`  ${(r.records * r.queries / r.seconds / 1e6).toFixed(1)} M pairs/s, ${r.seconds.toFixed(1)} s\n`)
    results.push(r)
  }
}

const cpu = describeCpu()
const native = nativeCountFilterModule()
const mps = (x: number) => `${(x / 1e6).toFixed(1)} M`
const rate = (r: LinkageFigures) => (r.records * r.queries) / r.seconds
const s = (x: number) => x.toFixed(2)
const rows = results.map((r) => {
  const perCore = rate(r) / r.workers
  const perCpu = (r.records * r.queries) / r.cpuSeconds
  return `| ${r.k} | ${r.cells} cells, ${r.bytesPerRecord} B | ${r.workers} | **${mps(rate(r))}** (chunk median ${mps(r.chunkMedianPairsPerSecond)}) | ${mps(perCore)} = **${s(perCore / REFERENCE)}×** | ${mps(perCpu)} = ${s(perCpu / REFERENCE)}× | ${r.seconds.toFixed(1)} s | ${s(r.scanSeconds)} / ${s(r.rerankSeconds)} / ${s(r.pairsSeconds)} / ${s(r.solveSeconds)} / ${s(r.jsonSeconds)} | ${r.cpuSeconds.toFixed(1)} s | ${(r.peakRssBytes / 1e6).toFixed(0)} MB | ${r.candidates} / ${r.matches} / ${r.recall.toFixed(3)} | ${r.loadAverage.toFixed(1)} |`
})
const targets = ks.flatMap((k) => {
  const one = results.find((r) => r.k === k && r.workers === 1)
  const two = results.find((r) => r.k === k && r.workers === 2)
  const want = k <= 64 ? 5 : 1
  const out: string[] = []
  if (one) out.push(`- k = ${k}: one core at ${s(rate(one) / REFERENCE)}× the reference (target ≥ ${want}×): ${rate(one) / REFERENCE >= want ? 'met' : 'NOT met'}`)
  if (one && two) out.push(`- k = ${k}: two cores ${s(rate(two) / rate(one))}× one (target ≥ 1.7×): ${rate(two) / rate(one) >= 1.7 ? 'met' : 'NOT met'}`)
  return out
})

console.log(`## Linkage (${q.toLocaleString('en')} queries × ${m.toLocaleString('en')} records, parity at ε = ${SKETCH_EPSILON}, Dice ≥ ${THRESHOLD}, top ${TOP}, greedy)

Machine: ${cpu.model} (${cpu.identity}), ${availableParallelism()} cores, Node ${process.version}. Command: \`npm run bench -- linkage\`.
Count filter: ${native === null ? 'WebAssembly (native addon not built)' : pathStatement(native, native.path, cpu)}.

Records: synthetic 1024-bit strings with each bit set with probability 15/32 (about 480 set bits,
CLK-like; throughput depends on the record length and on how many records pass the filter, not on
the bits); half the queries are copies of records with 5 % of their bits flipped, half fresh. The
sketch is built by core/build.ts with popcounts at ε = ${POPCOUNT_EPSILON}. Each row is one process and one
run of core/linkage.ts linkageChunks (the code a linkage run runs, with the pairs kept in memory
instead of SQLite) on a scan pool of DPDIST_WORKERS threads; then the greedy solver and the result's
JSON. Pairs/s = queries × records / time to result. Per core = pairs/s / workers, against anonlink's
${mps(REFERENCE)} pairs/s per core. Time split: pool scans (kernels, heaps, merges, in the workers) /
the rest of similarityScan (query preparation, scoring, re-ranking, on the main thread) / building
the pairs / solver / JSON. CPU is the process's user + system time (workers included); pairs per
CPU-second is the per-core figure that other tenants' load does not lower (it still includes every
thread's JavaScript and garbage collection). Peak RSS
includes the sketch and the records the queries are drawn from. Load average: the machine's 1-minute
load when the run ended (above 2, other work was waiting for these 2 cores). The machine's ${availableParallelism()} cores are shared
with other work: figures move by tens of percent between runs.

| k | sketch record | workers | pairs/s | per core vs 83 M | per CPU-second vs 83 M | time to result | split (s) | CPU | peak RSS | candidates / matches / recall | load average |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Targets:
${targets.join('\n')}
`)
