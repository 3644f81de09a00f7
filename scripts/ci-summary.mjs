// Prints one closing line "N passed, N failed" from tap's per-file results in .tap/test-results.
// Counts every assertion and subtest result point tap recorded (nested included), plus a failure
// for any test file whose results are missing or did not finish.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Parser } from 'tap-parser'

const root = '.tap/test-results'
const files = []
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (p.endsWith('.tap')) files.push(p)
  }
}
try { walk(root) } catch { /* no results at all */ }

let passed = 0
let failed = 0
for (const file of files) {
  const parser = new Parser({ passes: true })
  let final = null
  parser.on('complete', (r) => { final = r })
  parser.on('assert', () => {})
  // count leaf assertions at every depth
  const count = (p) => {
    p.on('assert', (a) => { if (!a.subtest) { if (a.ok || a.todo || a.skip) passed++; else failed++ } })
    p.on('child', count)
  }
  count(parser)
  parser.end(readFileSync(file, 'utf8'))
  if (!final || !final.ok) {
    if (final && final.ok === false && final.fail === 0) failed++ // bailed out or plan mismatch
  }
}
if (files.length === 0) failed++
console.log(`${passed} passed, ${failed} failed`)
