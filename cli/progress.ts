/**
 * A dependency-free progress reporter for long CLI work (loading records, building sketches).
 *
 * On a TTY it keeps one line up to date with `\r`, at most once per `minIntervalMs` (default 100 ms,
 * i.e. about 10 redraws per second however often `tick` is called):
 *
 *   load people.csv [#########...........] 45 % 450 000/1 000 000 records 210 k rec/s ETA 3 s
 *
 * Without a known total it shows the count and the rate only. The rate is count / elapsed time since
 * the reporter was created and the ETA is (total − count) / rate, both from the injected clock.
 *
 * When the stream is not a TTY (CI logs, pipes) nothing is written while work is in progress; `done()`
 * or `fail()` writes one summary line. When `enabled` is false (e.g. `--json`, where the caller's
 * output is the only thing that should appear) nothing is written at all.
 */
import { performance } from 'node:perf_hooks'

/** The part of a writable stream the reporter uses; a fake object works in tests. */
export interface ProgressStream {
  write(chunk: string): unknown
  isTTY?: boolean
  /** Terminal width; lines are cut to fit so they never wrap (wrapping breaks `\r` redraws). */
  columns?: number
}

export interface ProgressOptions {
  label: string
  total?: number
  stream?: ProgressStream
  /** False silences the reporter entirely. Default true. */
  enabled?: boolean
  /** Milliseconds, monotonic. Default `performance.now`. */
  now?: () => number
  /** Plural noun for the counted things. Default `records`. */
  unit?: string
  /** Rate suffix. Default `rec/s`. */
  rateUnit?: string
  /** Minimum time between TTY redraws. Default 100 ms. */
  minIntervalMs?: number
}

export interface Progress {
  /** Adds `n` (default 1) to the count. */
  tick(n?: number): void
  /** Sets or changes the total once it becomes known. */
  setTotal(total: number): void
  /** Finishes successfully: final line on a TTY, one summary line otherwise. Idempotent. */
  done(): void
  /** Finishes after an error, leaving the cursor on a fresh line. Idempotent. */
  fail(): void
}

const BAR_WIDTH = 20

/** 1234567 → "1 234 567" (space-grouped, readable in any locale). */
export function formatCount(value: number): string {
  const digits = String(Math.floor(Math.abs(value)))
  let out = ''
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ' '
    out += digits[i]
  }
  return value < 0 ? `-${out}` : out
}

/** Records per second with a k/M prefix and about three significant digits: "950", "210 k", "1.25 M". */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${threeDigits(perSecond / 1e6)} M`
  if (perSecond >= 1e3) return `${threeDigits(perSecond / 1e3)} k`
  return threeDigits(perSecond)
}

function threeDigits(value: number): string {
  if (value >= 100) return String(Math.round(value))
  if (value >= 10) return stripZeros(value.toFixed(1))
  return stripZeros(value.toFixed(2))
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** Seconds → "3 s", "4 min 10 s", "2 h 5 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?'
  if (seconds < 10) return `${stripZeros(seconds.toFixed(1))} s`
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

export function createProgress(options: ProgressOptions): Progress {
  const stream: ProgressStream = options.stream ?? process.stderr
  const enabled = options.enabled ?? true
  const now = options.now ?? (() => performance.now())
  const unit = options.unit ?? 'records'
  const rateUnit = options.rateUnit ?? 'rec/s'
  const minInterval = options.minIntervalMs ?? 100
  const live = enabled && stream.isTTY === true
  const started = now()

  let total = validTotal(options.total)
  let count = 0
  let lastDraw = Number.NEGATIVE_INFINITY
  let drawnWidth = 0
  let finished = false

  function elapsedSeconds(): number {
    return Math.max(0, (now() - started) / 1000)
  }

  function rateText(elapsed: number): string | null {
    if (elapsed <= 0 || count <= 0) return null
    return `${formatRate(count / elapsed)} ${rateUnit}`
  }

  function barLine(): string {
    const elapsed = elapsedSeconds()
    const rate = rateText(elapsed)
    const parts = [options.label]
    if (total !== undefined) {
      const fraction = total === 0 ? 1 : Math.min(1, count / total)
      const filled = Math.floor(fraction * BAR_WIDTH)
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`)
      parts.push(`${Math.floor(fraction * 100)} %`)
      parts.push(`${formatCount(count)}/${formatCount(total)} ${unit}`)
      if (rate !== null) {
        parts.push(rate)
        const remaining = Math.max(0, total - count)
        parts.push(`ETA ${formatDuration(remaining / (count / elapsed))}`)
      }
    } else {
      parts.push(`${formatCount(count)} ${unit}`)
      if (rate !== null) parts.push(rate)
    }
    return parts.join(' ')
  }

  function summaryLine(failed: boolean): string {
    const elapsed = elapsedSeconds()
    const rate = rateText(elapsed)
    const counted = total !== undefined && failed ? `${formatCount(count)}/${formatCount(total)}` : formatCount(count)
    const head = failed ? `${options.label}: failed after ${counted} ${unit}` : `${options.label}: ${counted} ${unit}`
    return `${head} in ${formatDuration(elapsed)}${rate === null ? '' : ` (${rate})`}`
  }

  /** Rewrites the current line, padding with spaces to erase a longer previous line. */
  function redraw(text: string): void {
    const width = stream.columns !== undefined && stream.columns > 1 ? stream.columns - 1 : Infinity
    const fitted = text.length > width ? text.slice(0, width) : text
    const pad = drawnWidth > fitted.length ? ' '.repeat(drawnWidth - fitted.length) : ''
    stream.write(`\r${fitted}${pad}`)
    drawnWidth = fitted.length
  }

  function maybeDraw(): void {
    if (!live || finished) return
    const t = now()
    if (t - lastDraw < minInterval) return
    lastDraw = t
    redraw(barLine())
  }

  function finish(failed: boolean): void {
    if (finished) return
    finished = true
    if (!enabled) return
    if (live) {
      redraw(summaryLine(failed))
      stream.write('\n')
    } else {
      stream.write(`${summaryLine(failed)}\n`)
    }
  }

  return {
    tick(n = 1) {
      if (finished) return
      if (Number.isFinite(n) && n > 0) count += n
      maybeDraw()
    },
    setTotal(newTotal: number) {
      if (finished) return
      total = validTotal(newTotal)
      maybeDraw()
    },
    done() {
      finish(false)
    },
    fail() {
      finish(true)
    },
  }
}

function validTotal(total: number | undefined): number | undefined {
  return total !== undefined && Number.isFinite(total) && total >= 0 ? total : undefined
}
