/**
 * Bulk load (issue "Foundation"): 1 000 000 records of 1024 bits from a packed file, loaded with the
 * CLI (`dpdist load --format packed`, local mode) into a fresh database. Reports records/s and the
 * CLI process's peak RSS (VmHWM, read from /proc while it runs). Targets: ≥ 200 000 records/s and
 * peak RSS < 300 MB, i.e. the file is streamed, not read whole.
 * Run: npm run bench -- load   (add --records N to change the count)
 */
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomFillSync } from 'node:crypto'
import { once } from 'node:events'

const arg = process.argv.indexOf('--records')
const m = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000
const n = 1024
const dir = mkdtempSync(join(tmpdir(), 'dpdist-bench-load-'))
const file = join(dir, 'records.bin')
const db = join(dir, 'dpdist.db')
const cli = 'dist/cli/main.js'

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

try {
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

| records | wall time | records/s (start-up of an empty command subtracted) | peak RSS of the CLI | empty command's peak RSS |
|---|---|---|---|---|
| ${m.toLocaleString('en')} | ${(load.ms / 1000).toFixed(2)} s | ${Math.round(rate).toLocaleString('en')} | ${(load.peakKb / 1024).toFixed(0)} MB | ${(baseline.peakKb / 1024).toFixed(0)} MB |

Targets: ≥ 200 000 records/s and peak RSS < 300 MB.
`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
