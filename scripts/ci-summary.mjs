// Prints one closing line "N passed, N failed" from tap's per-file results in .tap/test-results.
// Counts every assertion and subtest result point tap recorded (nested included), plus a failure
// for any test file whose results are missing or did not finish.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Parser } from 'tap-parser'

const root = '.tap/test-results'
const files = []
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    // results of test files that no longer exist are stale: skip them
    else if (p.endsWith('.tap') && existsSync(p.slice(root.length + 1, -'.tap'.length))) files.push(p)
  }
}
try { walk(root) } catch { /* no results at all */ }

let passed = 0
let failed = 0
// Leaf assertions are counted at every depth. The test point that closes a subtest is not counted
// again, except as one failure when the subtest failed without a failing assertion of its own (a
// timeout, a crash, a plan mismatch).
function count(parser) {
  const children = []
  parser.on('child', (child) => {
    const state = { failures: 0 }
    children.push(state)
    count(child).onFailure = () => { state.failures++ }
  })
  const self = { onFailure: () => {} }
  parser.on('assert', (a) => {
    // a subtest's closing point follows its child's output directly
    const closes = children.length > 0 ? children.shift() : null
    if (closes) {
      if (!a.ok && !a.todo && !a.skip && closes.failures === 0) { failed++; self.onFailure() }
      return
    }
    if (a.ok || a.todo || a.skip) passed++
    else { failed++; self.onFailure() }
  })
  return self
}
for (const file of files) {
  const parser = new Parser()
  let final = null
  parser.on('complete', (r) => { final = r })
  count(parser)
  parser.end(readFileSync(file, 'utf8'))
  if (!final || (!final.ok && final.fail === 0)) failed++ // bailed out, crashed or did not finish
}
if (files.length === 0) failed++
console.log(`${passed} passed, ${failed} failed`)
