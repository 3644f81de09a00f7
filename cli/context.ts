/** What every command receives: the backend, the output mode and the process's streams. */
import { createProgress, type Progress, type ProgressStream } from './progress.js'
import type { Backend } from './backend.js'
import { jsonDocument, type Writer } from './output.js'

export interface Io {
  stdout: Writer
  /** Progress bars and notices; error lines are written by main.ts. */
  stderr: ProgressStream
  env: Record<string, string | undefined>
}

export interface CommandContext {
  backend: Backend
  json: boolean
  io: Io
}

/** Writes the JSON document with --json, the human text otherwise. */
export function emit(ctx: { json: boolean; io: Io }, document: unknown, human: () => string): void {
  ctx.io.stdout.write(ctx.json ? jsonDocument(document) : human())
}

/** A progress bar on stderr, drawn only when stderr is a terminal and the output is not --json. */
export function progressFor(ctx: { json: boolean; io: Io }, label: string, options: { total?: number; unit?: string; rateUnit?: string } = {}): Progress {
  return createProgress({ label, stream: ctx.io.stderr, enabled: !ctx.json && ctx.io.stderr.isTTY === true, ...options })
}
