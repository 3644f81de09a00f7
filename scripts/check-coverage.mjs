// The coverage bar, chosen on purpose instead of tap's all-or-nothing 100 %. It sits a few points
// under what the suite measures today (about 84 % of lines, 73 % of branches), so a change that adds
// untested code fails. The measure is a lower bound: code run by child processes (the CLI and
// servers started from dist/) is not counted. Raise the bar as the suite grows; never lower it to
// make a change pass.
import { readFileSync } from 'node:fs'

const thresholds = { lines: 80, statements: 80, functions: 76, branches: 70 }
const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8')).total
const failures = Object.entries(thresholds).filter(([k, min]) => summary[k].pct < min)
for (const [k, min] of Object.entries(thresholds)) {
  console.log(`coverage ${k}: ${summary[k].pct} % (minimum ${min} %)`)
}
if (failures.length) {
  console.error(`coverage below the bar: ${failures.map(([k]) => k).join(', ')}`)
  process.exit(1)
}
