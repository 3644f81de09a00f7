/** Display formats: ε to at most 6 decimals (the ledger's micro-ε), bytes, times, sds. */

/** ε as the ledger stores it: whole micro-ε, trailing zeros dropped. */
export function eps(x: number): string {
  return Number(x.toFixed(6)).toString()
}

export const micro = (x: number): number => Math.round(x * 1_000_000)

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`
}

export function num(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x)
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en') : Number(x.toFixed(digits)).toString()
}

export function time(iso: string): string {
  const d = new Date(iso)
  return `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB')}`
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)} %`
}
