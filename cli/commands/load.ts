/**
 * `dpdist load NAME FILE`: streams a record file into a dataset in bounded memory, all or nothing.
 * The file is parsed here, in both modes, by the same streaming parsers the server uses, so line
 * numbers in messages are the file's own. The progress bar's total is estimated from the file size
 * (exact for packed files): records so far × file size / bytes read so far.
 */
import { createReadStream, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { Encoding } from '../../sketch/bits.js'
import { type LoadFormat, parseRecordStream } from '../../ingest/index.js'
import { emit, progressFor, type CommandContext } from '../context.js'
import { records } from '../output.js'
import { formatFromExtension, UsageError } from '../options.js'

export interface LoadOptions {
  format?: LoadFormat
  encoding?: Encoding
}

interface CountedSource {
  chunks: AsyncIterable<Uint8Array>
  /** Bytes handed to the parser so far. */
  bytesRead(): number
  /** File size in bytes, or null for standard input. */
  size: number | null
}

/** The file's size (null for standard input), or a usage error naming why it cannot be read. */
function checkFile(file: string): number | null {
  if (file === '-') return null
  let stats
  try {
    stats = statSync(file)
  } catch (err) {
    const code = (err as { code?: string }).code
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'error')}`)
  }
  if (!stats.isFile()) throw new UsageError(`cannot read ${file}: not a regular file`)
  return stats.size
}

function openSource(file: string, size: number | null): CountedSource {
  let read = 0
  const stream: AsyncIterable<Buffer> = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 })
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      read += chunk.length
      yield chunk
    }
  }
  return { chunks: chunks(), bytesRead: () => read, size }
}

export function resolveFormat(file: string, format: LoadFormat | undefined, encoding: Encoding | undefined): LoadFormat {
  const resolved = format ?? (file === '-' ? undefined : formatFromExtension(file))
  if (resolved === undefined) {
    throw new UsageError(`cannot tell the format of ${file} from its name: pass --format text|csv|ndjson|packed|clkhash`)
  }
  if (encoding !== undefined && (resolved === 'packed' || resolved === 'clkhash')) {
    throw new UsageError(`--encoding applies to text, csv and ndjson files, not ${resolved}`)
  }
  return resolved
}

export async function load(ctx: CommandContext, name: string, file: string, o: LoadOptions): Promise<void> {
  const size = checkFile(file)
  const format = resolveFormat(file, o.format, o.encoding)
  const dataset = await ctx.backend.getDataset(name)
  const source = openSource(file, size)
  const n = dataset.bits
  const progress = progressFor(ctx, `load ${file === '-' ? 'stdin' : basename(file)}`)
  let reported = 0
  const onProgress = (loaded: number) => {
    const read = source.bytesRead()
    if (source.size !== null && read > 0 && loaded > 0) {
      progress.setTotal(format === 'packed' ? Math.floor(source.size / Math.ceil(n / 8)) : Math.max(loaded, Math.round((loaded * source.size) / read)))
    }
    progress.tick(loaded - reported)
    reported = loaded
  }
  const batches = parseRecordStream(source.chunks, { format, n, encoding: o.encoding })
  let result
  try {
    result = await ctx.backend.load(name, n, batches, onProgress)
  } catch (err) {
    progress.fail()
    throw err
  }
  progress.done()
  emit(
    ctx,
    { ...result, format, file },
    () => `loaded ${records(result.loaded)} into ${result.dataset} (${format}); it now holds ${records(result.records)}\n`,
  )
}
