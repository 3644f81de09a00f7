/**
 * `npm run bench [-- name ...]`: runs the benchmark scripts (bench/<name>.ts), each in its own
 * process so that one's memory and JIT state do not colour the next, and saves each one's markdown
 * report to bench/results-<name>.md. bench/RESULTS.md collects those reports (`--collect`).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const all = ['baselines', 'privacy', 'ledger', 'load', 'hamming', 'edit', 'scan', 'linkage', 'startup', 'http', 'fuzz', 'faults']
const args = process.argv.slice(2)
const collectOnly = args.includes('--collect')
const names = args.filter((a) => !a.startsWith('--'))
const chosen = names.length ? names : all

if (!collectOnly) {
  for (const name of chosen) {
    const script = join(here, `${name}.ts`)
    if (!existsSync(script)) {
      process.stderr.write(`bench: no benchmark named "${name}"\n`)
      process.exitCode = 1
      continue
    }
    process.stderr.write(`\n== bench/${name}.ts\n`)
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    process.stdout.write(run.stdout)
    if (run.status !== 0) {
      process.stderr.write(`bench: ${name} exited with ${run.status}\n`)
      process.exitCode = 1
      continue
    }
    writeFileSync(join(here, `results-${name}.md`), run.stdout)
  }
}

const sections = all
  .map((name) => join(here, `results-${name}.md`))
  .filter((p) => existsSync(p))
  .map((p) => readFileSync(p, 'utf8').trim().replace(/^# /gm, '## '))
const header = `# Benchmark results

Recorded by \`npm run bench\` (each section names its machine and the exact command). Targets come
from the issues; every speed claim is a ratio against a baseline measured in the same run, because
this shared 2-core machine is noisy. Re-run one section with \`npm run bench -- <name>\`.
`
writeFileSync(join(here, 'RESULTS.md'), `${header}\n${sections.join('\n\n')}\n`)
