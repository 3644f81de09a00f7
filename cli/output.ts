/**
 * Output of `dpdist`: aligned text tables and key/value blocks for people, or exactly one JSON
 * document for machines (`--json`). Everything goes to an injected writer (stdout in main.ts).
 */
import { displayEpsilon } from '../privacy/epsilon.js'
import { formatCount } from './progress.js'

export type Cell = string | number | boolean | null | undefined

export interface Writer {
  write(chunk: string): unknown
}

/** Columns right-aligned when every cell of the column is numeric-looking. */
export function table(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => headers.map((_h, i) => cellText(r[i])))
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)))
  const numeric = headers.map((_h, i) => text.length > 0 && text.every((r) => r[i] === '' || r[i] === '-' || NUMERIC.test(r[i])))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)]
  return `${out.join('\n')}\n`
}

const NUMERIC = /^[-+]?[\d\s.,]+%?$|^\[.*\]$/

/** `key: value` lines with the keys aligned. */
export function keyValues(pairs: [string, Cell][]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cellText(v)}`).join('\n') + '\n'
}

function cellText(value: Cell): string {
  if (value === null || value === undefined) return '-'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  return String(value)
}

/** A number with a fixed count of decimals (one by default). */
export function num(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value)
  return value.toFixed(digits)
}

/** "[lo, hi]" with one decimal. */
export function interval(lo: number, hi: number, digits = 1): string {
  return `[${num(lo, digits)}, ${num(hi, digits)}]`
}

/** An ε for display: as many decimals as it has (micro-ε precision), no float noise. */
export const eps = displayEpsilon

/** Integers grouped by spaces: 10000 → "10 000" (readable in any locale). */
export const count = formatCount

/** "1 record", "2 records", "10 000 records". */
export function records(n: number): string {
  return `${count(n)} ${n === 1 ? 'record' : 'records'}`
}

/** Exactly one JSON document and a newline. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}
