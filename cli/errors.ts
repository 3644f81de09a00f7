/**
 * The one error line `dpdist` prints: `dpdist: <reason>`. Reasons come from the backend (the
 * server's problem `detail`, or the service's message locally), the record parsers, or flag
 * validation, none of which repeat record or query bits. Commander's own messages quote what the
 * user typed (an unknown command, an invalid value); as a safety net any quoted text longer than 32
 * characters, and any bare run of 32 or more binary or hex digits, is replaced by its length, so a
 * bit string typed in the wrong place is not echoed either.
 */
import { CommanderError } from 'commander'
import { BackendError } from './backend.js'
import { UsageError } from './options.js'

const MAX_SHOWN = 32

export function redact(text: string): string {
  return text
    .replace(/'([^']*)'/g, (all, inner: string) => (inner.length > MAX_SHOWN ? `'<${inner.length} characters>'` : all))
    .replace(/\b[0-9A-Fa-f]{32,}\b/g, (run) => `<${run.length} characters>`)
}

function reason(err: unknown): string {
  if (err instanceof CommanderError) {
    const text = err.message.replace(/^error:\s*/, '')
    return err.code === 'commander.unknownCommand' || err.code === 'commander.unknownOption' ? `${text} (see dpdist --help)` : text
  }
  if (err instanceof Error) return err.message
  return String(err)
}

function oneLine(err: unknown): string {
  const text = redact(reason(err)).replace(/\s*[\r\n]+\s*/g, ' ').trim()
  return text === '' ? 'failed' : text
}

/** `dpdist: <reason>` on one line. */
export function errorLine(err: unknown): string {
  return `dpdist: ${oneLine(err)}`
}

/** The stable code of an error: the server's or core's problem code, `usage-error`, or `error`. */
export function errorCodeOf(err: unknown): string {
  if (err instanceof BackendError) return err.code
  if (err instanceof UsageError || err instanceof CommanderError) return 'usage-error'
  return 'error'
}

/**
 * With --json, the error as one problem document on stdout (besides the line on stderr and the
 * exit code), shaped like the server's RFC 7807 problems.
 */
export function errorDocument(err: unknown): { type: string; detail: string; exitCode: number } {
  return { type: `/problems/${errorCodeOf(err)}`, detail: oneLine(err), exitCode: exitCodeOf(err) }
}

/** 2 for usage errors (bad flags or arguments), 1 for everything else. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return 2
  if (err instanceof CommanderError) return 2
  return 1
}
