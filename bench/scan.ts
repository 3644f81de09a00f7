/**
 * Scan throughput per count-filter path (issues "Throughput at scale" and "Scan kernels at the memory
 * limit on every CPU"): one query inline and on the worker pool, batches vs single queries, the
 * kernels alone, each against this machine's read ceiling measured in the same run, on a `parity`
 * sketch with m = 10^6, n = 1024, k = 32, ε = 4 (M = 512 cells: 64-byte records).
 *
 * Run: npm run bench -- scan   (or: npx tsx --expose-gc bench/scan.ts [--records N] [--paths avx2,popcnt])
 * One child process per path (DPDIST_NATIVE_PATH, so the pool's workers take the path too): by
 * default every native path this CPU runs but the portable one. This process prints the report.
 */
import { spawnSync } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { describeCpu, pathStatement } from './cpu.js'
import { type ScanFigures, measurePath } from './scan-measure.js'
import { type NativePath, nativeCountFilterModule, parseNativePath } from '../sketch/kernels/native-count-filter.js'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const m = Number(arg('--records') ?? 1_000_000)

if (process.argv.includes('--child')) {
  // one path, measured in this process (its path comes from DPDIST_NATIVE_PATH)
  process.stdout.write(`${JSON.stringify(await measurePath(m))}\n`)
  process.exit(0)
}

const native = nativeCountFilterModule()
const paths: NativePath[] =
  arg('--paths')?.split(',').map((p) => parseNativePath(p)!) ?? (native === null ? [] : (Object.keys(native.paths) as NativePath[]).filter((p) => p !== 'portable'))
const startLoad = loadavg().map((x) => x.toFixed(2)).join(', ')
const results: ScanFigures[] = []
for (const path of paths.length > 0 ? paths : [undefined]) {
  process.stderr.write(`bench/scan: ${path ?? 'WebAssembly'} path\n`)
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--records', String(m)], {
    env: { ...process.env, ...(path === undefined ? { DPDIST_NATIVE: '0' } : { DPDIST_NATIVE_PATH: path }) },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  })
  if (child.status !== 0) throw new Error(`bench/scan: the ${path} run exited with ${child.status}`)
  results.push(JSON.parse(child.stdout.trim().split('\n').pop()!) as ScanFigures)
}

const cpu = describeCpu()
const threads = availableParallelism()
const f2 = (x: number) => x.toFixed(2)
const gb = (x: number) => x.toFixed(1)
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met')
const row = (measure: string, cell: (r: ScanFigures) => string) => `| ${measure} | ${results.map(cell).join(' | ')} |`
const first = results[0]
const bytes = first.sketchBytes

const table = [
  `| measure | ${results.map((r) => r.path ?? 'WebAssembly').join(' | ')} |`,
  `|---|${results.map(() => '---|').join('')}`,
  row(`read ceiling: a native read loop, no counting (${first.streamPath} loads), 1 thread / ${threads} at once`, (r) => `${gb(r.stream1)} / ${gb(r.streamAll)} GB/s`),
  row('one query inline (one core)', (r) => `${f2(r.single)} ms: ${gb(bytes / 1e6 / r.single)} GB/s = **${f2(bytes / 1e6 / r.single / r.stream1)}** of 1 thread`),
  row('the same by CPU time: query / ceiling', (r) => `${f2(r.cpuSingle)} ms / ${gb(r.cpuStream1)} GB/s = ${f2(bytes / 1e6 / r.cpuSingle / r.cpuStream1)}`),
  row(`one query, pool of ${threads} workers`, (r) => `${f2(r.pooled)} ms: ${gb(bytes / 1e6 / r.pooled)} GB/s = **${f2(bytes / 1e6 / r.pooled / r.streamAll)}** of ${threads} threads; ${f2(r.single / r.pooled)}× inline (memory allows ${f2(r.streamAll / r.stream1)}×)`),
  row(`one query on the first ${first.cachedRecords.toLocaleString('en')} records (${((first.cachedRecords * bytes) / m / 1e6).toFixed(1)} MB, cached): inline vs pool of ${threads}`, (r) => `${f2(r.cachedSingle)} vs ${f2(r.cachedPooled)} ms: ${f2(r.cachedSingle / r.cachedPooled)}× (reads allow ${f2(r.cachedStreamAll / r.cachedStream1)}×: ${gb(r.cachedStream1)} / ${gb(r.cachedStreamAll)} GB/s)`),
  row(`the filter kernel alone streaming the sketch, 1 thread / ${threads}`, (r) => (r.kernel1 === null ? '—' : `${gb(r.kernel1)} / ${gb(r.kernelAll!)} GB/s = ${f2(r.kernel1 / r.stream1)} / ${f2(r.kernelAll! / r.streamAll)}`)),
  row('batch of 32, one core', (r) => `${f2(r.batchInline)} ms per query`),
  row('32 single queries, one core', (r) => `${f2(r.singles32)} ms per query: batch **${f2(r.singles32 / r.batchInline)}×** fewer`),
  row('the same by CPU time: batch / singles per query', (r) => `${f2(r.cpuBatchInline)} / ${f2(r.cpuSingles32)} ms: ${f2(r.cpuSingles32 / r.cpuBatchInline)}×`),
  row('batch of 32, pool', (r) => `${f2(r.batchPool)} ms per query (${f2(r.batchInline / r.batchPool)}× one core)`),
  row('batch kernel alone, 32 queries, CPU time per (record, query) pair: 64 B / 16 B records', (r) => (r.pair64 === null ? '—' : `${r.pair64.toFixed(3)} / ${r.pair16!.toFixed(3)} ns`)),
  row(`16 concurrent queries (closed loop, 4 s): 1 worker vs ${threads}`, (r) => `${r.qpsOne.toFixed(0)} vs ${r.qpsAll.toFixed(0)} queries/s (${f2(r.qpsAll / r.qpsOne)}×)`),
].join('\n')

const targets = results.flatMap((r) => {
  const name = r.path ?? 'WebAssembly'
  const inline = bytes / 1e6 / r.single / r.stream1
  const pooled = bytes / 1e6 / r.pooled / r.streamAll
  const batch = r.singles32 / r.batchInline
  return [
    `- ${name}: one query inline at ${f2(inline)} of the 1-thread read ceiling (target ≥ 0.75): ${verdict(inline >= 0.75)}`,
    `- ${name}: the pool at ${f2(pooled)} of the ${threads}-thread read ceiling (target ≥ 0.75): ${verdict(pooled >= 0.75)}`,
    `- ${name}: batch of 32 ${f2(batch)}× fewer ms per query than singles (target ≥ 3×): ${verdict(batch >= 3)}; by CPU time ${f2(r.cpuSingles32 / r.cpuBatchInline)}×`,
  ]
})

const statements = native === null ? ['- WebAssembly filter (native addon not built)'] : results.map((r) => `- ${r.path}: ${pathStatement(native, r.path!, cpu)}`)

console.log(`## Scan (parity, m = ${m.toLocaleString('en')}, n = 1024, k = 32, ε = 4)

Machine: ${cpu.model} (${cpu.identity}), ${threads} cores, Node ${process.version}. Command: \`npm run bench -- scan\`.
Load average at the start / end of the run: ${startLoad} / ${loadavg().map((x) => x.toFixed(2)).join(', ')}.
Sketch: M = ${first.cells}, L = ${first.repetitions}, ${bytes / m} bytes per record, ${(bytes / 1e6).toFixed(1)} MB; top = 100. Build: ${Math.round(first.buildPerSecond).toLocaleString('en')} records/s on one core; RSS growth while holding the sketch ${(first.rssDelta / 1e6).toFixed(1)} MB = ${f2(first.rssDelta / bytes)}× its bytes (target ≤ 1.3×).

Where each column's figures come from:
${statements.join('\n')}

Each column is its own process. Times are medians of alternated runs: the read ceiling is taken in
alternation with the single queries it is compared with (40 rounds after 10 warm-ups), the batches
with their singles (9 rounds), the kernels alone with each other; a full garbage collection precedes
every timed call. Rows "by CPU time" take this process's CPU time instead of the wall clock, for what
runs on one thread (time spent waiting for a core is not in it). The kernels alone and the read loop run over blocks of 8192 records, on this thread for the
one-thread figures and in worker threads for the all-threads ones, with cut 1 (no
record is that close, as in most blocks of a real scan, so they report nothing); the 16-byte records
are 16 MB of random words. GB/s counts the sketch's bytes once per query. The machine has ${threads}
cores shared with other work: figures move by tens of percent between runs.

${table}

Targets:
${targets.join('\n')}
`)
