/**
 * Bulk load (issue "Foundation"): 1 000 000 records of 1024 bits from a packed file, loaded with the
 * CLI (`dpdist load --format packed`, local mode) into a fresh database. Reports records/s and the
 * CLI process's peak RSS (VmHWM, read from /proc while it runs). Targets: ≥ 200 000 records/s and
 * peak RSS < 300 MB, i.e. the file is streamed, not read whole.
 *
 * Then the clkhash JSON reader (issue "layered core"): the same number of 1024-bit CLKs as a
 * clkhash file `{"clks": ["<base64>", ...]}`, parsed by today's parseRecordStream and by the one of
 * BASELINE_COMMIT (the hand-written byte scanner before ingest/clkhash.ts used @streamparser/json),
 * taken from git into the temporary directory, never into the tree. Each parse runs in a process of
 * its own (this script with --parse-clks), so neither parser's JIT or heap state colours the other's;
 * rounds alternate between the two. Records/s per CPU second is the headline because the machine is
 * shared, wall-clock records/s is shown too. The CLI then loads the same file.
 * Run: npm run bench -- load   (add --records N to change the count)
 */
import { spawn, spawnSync } from 'node:child_process'
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { randomFillSync } from 'node:crypto'
import { once } from 'node:events'
import type { parseRecordStream } from '../ingest/index.js'

type Parse = typeof parseRecordStream
type ParseRun = { records: number; wall: number; cpu: number }

const n = 1024
const child = process.argv.indexOf('--parse-clks')
if (child > 0) {
  // One timed parse: --parse-clks <URL of a module exporting parseRecordStream> <clkhash file>.
  const [moduleUrl, path] = process.argv.slice(child + 1)
  const { parseRecordStream: parse } = (await import(moduleUrl)) as { parseRecordStream: Parse }
  console.log(JSON.stringify(await parseClks(parse, path)))
  process.exit(0)
}

const arg = process.argv.indexOf('--records')
const m = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000
const dir = mkdtempSync(join(tmpdir(), 'dpdist-bench-load-'))
const file = join(dir, 'records.bin')
const db = join(dir, 'dpdist.db')
const cli = 'dist/cli/main.js'
const clkFile = join(dir, 'clks.json')
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The last commit whose clkhash reader is the hand-written scanner of ingest/record-formats.ts. */
const BASELINE_COMMIT = 'adf1958'
const ROUNDS = 7

async function writeFile(): Promise<void> {
  const out = createWriteStream(file)
  const chunk = Buffer.alloc(8192 * (n / 8))
  for (let written = 0; written < m; written += 8192) {
    const count = Math.min(8192, m - written)
    randomFillSync(chunk)
    if (!out.write(chunk.subarray(0, count * (n / 8)))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

function run(args: string[]): Promise<{ code: number; ms: number; peakKb: number; stderr: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [cli, '--db', db, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    let peakKb = 0
    child.stderr.on('data', (d) => (stderr += d))
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {
        // the process has exited
      }
    }, 50)
    child.on('exit', (code) => {
      clearInterval(poll)
      resolve({ code: code ?? -1, ms: performance.now() - t0, peakKb, stderr })
    })
  })
}

/** `{"clks": ["...", "...", ...]}` with m random CLKs, written like Python's json.dump. */
async function writeClkFile(): Promise<void> {
  const out = createWriteStream(clkFile)
  const bytes = Buffer.alloc(8192 * (n / 8))
  out.write('{"clks": [')
  for (let written = 0; written < m; written += 8192) {
    const count = Math.min(8192, m - written)
    randomFillSync(bytes)
    const clks = Array.from({ length: count }, (_, i) => `"${bytes.toString('base64', i * (n / 8), (i + 1) * (n / 8))}"`)
    if (!out.write((written > 0 ? ', ' : '') + clks.join(', '))) await once(out, 'drain')
  }
  out.end(']}\n')
  await once(out, 'finish')
}

/** URL of a copy of BASELINE_COMMIT's parser, or null when git cannot show it (e.g. no repository). */
function baselineModule(): string | null {
  const shown = spawnSync('git', ['show', `${BASELINE_COMMIT}:ingest/record-formats.ts`], { cwd: root, encoding: 'utf8' })
  if (shown.status !== 0) return null
  const copy = join(dir, 'baseline-record-formats.mts')
  writeFileSync(copy, shown.stdout.replaceAll("'../sketch/", `'${pathToFileURL(join(root, 'sketch')).href}/`))
  return pathToFileURL(copy).href
}

/** One parse of a clkhash file, read as `dpdist load` reads it: records, wall and CPU seconds. */
async function parseClks(parse: Parse, path: string): Promise<ParseRun> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let records = 0
  for await (const batch of parse(createReadStream(path, { highWaterMark: 1 << 20 }), { format: 'clkhash', n })) records += batch.length
  const cpu = process.cpuUsage(cpu0)
  return { records, wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 }
}

/** parseClks of the module at `moduleUrl`, in a fresh process. */
function parseInChild(moduleUrl: string): ParseRun {
  const script = fileURLToPath(import.meta.url)
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--parse-clks', moduleUrl, clkFile], { encoding: 'utf8', cwd: root })
  if (run.status !== 0) throw new Error(`parse of ${clkFile} failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as ParseRun
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const perSecond = (x: number) => Math.round(x).toLocaleString('en')
const loadAverage = () => loadavg().map((x) => x.toFixed(2)).join(' / ')

async function clkhashSection(): Promise<string> {
  await writeClkFile()
  const loadAtStart = loadAverage()
  const baseline = baselineModule()
  const current = pathToFileURL(join(root, 'ingest', 'index.ts')).href
  const parsers: [string, string][] = [[`${BASELINE_COMMIT} (hand-written scanner)`, baseline ?? current], ['this tree (@streamparser/json)', current]]
  if (baseline === null) parsers.shift()
  const runs = parsers.map(() => [] as ParseRun[])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, [, moduleUrl]] of parsers.entries()) {
      const r = parseInChild(moduleUrl)
      if (r.records !== m) throw new Error(`parsed ${r.records} CLKs, expected ${m}`)
      runs[k].push(r)
    }
  }
  const perCpu = runs.map((rs) => median(rs.map((r) => r.records / r.cpu)))
  const perWall = runs.map((rs) => median(rs.map((r) => r.records / r.wall)))
  const range = (k: number): string => {
    const rates = runs[k].map((r) => r.records / r.cpu)
    return `${perSecond(Math.min(...rates))} – ${perSecond(Math.max(...rates))}`
  }
  const rows = parsers.map(([name], k) => `| ${name} | ${perSecond(perCpu[k])} | ${range(k)} | ${perSecond(perWall[k])} |`)
  const ratio =
    baseline === null
      ? `The baseline (${BASELINE_COMMIT}) could not be taken from git, so there is no ratio.`
      : `Ratio new / old: **${(perCpu[1] / perCpu[0]).toFixed(2)}** per CPU second, ${(perWall[1] / perWall[0]).toFixed(2)} wall clock ` +
        `(median round-by-round CPU ratio ${median(runs[1].map((r, i) => runs[0][i].cpu / r.cpu)).toFixed(2)}). Target: ≥ 1.`
  return `## Parsing a clkhash file (${m.toLocaleString('en')} CLKs, n = ${n}, base64)

Machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}. Command: \`npm run bench -- load\`
(parseRecordStream over the ${(statSync(clkFile).size / 1e6).toFixed(0)} MB file read in 1 MiB chunks, as \`dpdist load\` reads it, one
process per parse; ${ROUNDS} rounds alternating the parsers, medians shown; the baseline is \`git show ${BASELINE_COMMIT}:ingest/record-formats.ts\`
run from a temporary copy). Load average at start (1/5/15 min): ${loadAtStart}.

| parser | CLKs/s per CPU second | range over the rounds | CLKs/s wall clock |
|---|---|---|---|
${rows.join('\n')}

${ratio}
`
}

try {
  const loadAtStart = loadAverage()
  await writeFile()
  const created = await run(['dataset', 'create', 'bench', '--bits', String(n), '--budget', '10'])
  if (created.code !== 0) throw new Error(created.stderr)
  const baseline = await run(['dataset', 'list'])
  const load = await run(['load', 'bench', file, '--format', 'packed'])
  if (load.code !== 0) throw new Error(load.stderr)
  const rate = m / ((load.ms - baseline.ms) / 1000)
  console.log(`## Bulk load with the CLI (packed, n = ${n})

Machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}. Command: \`npm run bench -- load\`
(\`dpdist --db DB load bench records.bin --format packed\`, a fresh database, the file ${(statSync(file).size / 1e6).toFixed(0)} MB).
Load average at start (1/5/15 min): ${loadAtStart}.

| records | wall time | records/s (start-up of an empty command subtracted) | peak RSS of the CLI | empty command's peak RSS |
|---|---|---|---|---|
| ${m.toLocaleString('en')} | ${(load.ms / 1000).toFixed(2)} s | ${Math.round(rate).toLocaleString('en')} | ${(load.peakKb / 1024).toFixed(0)} MB | ${(baseline.peakKb / 1024).toFixed(0)} MB |

Targets: ≥ 200 000 records/s and peak RSS < 300 MB.
`)
  rmSync(file)
  console.log(await clkhashSection())
  const createdClk = await run(['dataset', 'create', 'bench-clk', '--bits', String(n), '--budget', '10'])
  if (createdClk.code !== 0) throw new Error(createdClk.stderr)
  const loadClk = await run(['load', 'bench-clk', clkFile, '--format', 'clkhash'])
  if (loadClk.code !== 0) throw new Error(loadClk.stderr)
  const clkRate = perSecond(m / ((loadClk.ms - baseline.ms) / 1000))
  console.log(`The CLI loading the same file into a fresh dataset (\`dpdist --db DB load bench-clk clks.json --format clkhash\`,
this tree): ${(loadClk.ms / 1000).toFixed(2)} s, ${clkRate} records/s (start-up of an empty command subtracted), peak RSS
${(loadClk.peakKb / 1024).toFixed(0)} MB.
`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
