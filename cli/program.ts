/**
 * The `dpdist` command tree (commander): flags are parsed and validated here, a backend is opened
 * (the local database file, or a server with --url/--token), one command from cli/commands/ runs
 * and prints. Output: human text on stdout, or exactly one JSON document with --json. Errors: one
 * line `dpdist: <reason>` on stderr and a non-zero exit code (2 for usage errors, 1 otherwise).
 */
import { Command, CommanderError, Option } from 'commander'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { VERSION } from '../core/version.js'
import { MECHANISM_NAMES, type MechanismName } from '../sketch/mechanisms/mechanism.js'
import type { Encoding } from '../sketch/bits.js'
import type { LoadFormat } from '../ingest/index.js'
import type { Backend } from './backend.js'
import type { CommandContext, Io } from './context.js'
import { createDataset, budget, deleteDataset, deletedBudgets, listDatasets, showDataset } from './commands/datasets.js'
import { demo } from './commands/demo.js'
import { link } from './commands/link.js'
import { load } from './commands/load.js'
import { query } from './commands/query.js'
import { buildSketch, estimateSketch, listSketches, sketchStatus } from './commands/sketches.js'
import { createToken, listTokens, revokeToken } from './commands/tokens.js'
import { errorDocument, errorLine, exitCodeOf } from './errors.js'
import { jsonDocument } from './output.js'
import {
  collect,
  ENCODINGS,
  epsilon,
  FORMATS,
  integer,
  list,
  mechanismOptions,
  METRICS,
  number,
  oneOf,
  UsageError,
} from './options.js'

const MECHANISMS: readonly MechanismName[] = MECHANISM_NAMES
export const DEFAULT_DB = './data/dpdist.db'

let serverStarted = false

/** True once `dpdist serve` is listening: the process then lives until a signal. */
export function serving(): boolean {
  return serverStarted
}

interface GlobalFlags {
  db?: string
  url?: string
  token?: string
  json?: boolean
}

type Target = { kind: 'local'; path: string } | { kind: 'remote'; url: string; token: string }

/** Local or remote, from the flags first and the environment second. */
export function resolveTarget(g: GlobalFlags, env: Record<string, string | undefined>): Target {
  if (g.db !== undefined && g.url !== undefined) throw new UsageError('use either --db (local database) or --url (server), not both')
  const url = g.url ?? (g.db === undefined ? env.DPDIST_URL || undefined : undefined)
  if (url !== undefined) {
    const token = g.token ?? (env.DPDIST_TOKEN || undefined)
    if (token === undefined) throw new UsageError('remote mode needs a token: pass --token or set DPDIST_TOKEN')
    return { kind: 'remote', url, token }
  }
  if (g.token !== undefined) throw new UsageError('--token applies to remote mode: pass --url too')
  return { kind: 'local', path: g.db ?? (env.DPDIST_DB || DEFAULT_DB) }
}

async function openBackend(target: Target, create: boolean, env: Record<string, string | undefined>): Promise<Backend> {
  if (target.kind === 'remote') {
    const { HttpBackend } = await import('./http-backend.js')
    return new HttpBackend({ url: target.url, token: target.token })
  }
  // Loaded on demand: remote commands never open SQLite.
  const { openLocalBackend } = await import('./local-backend.js')
  return openLocalBackend({ path: target.path, create, env })
}

/** What the command groups below register with: the program, the process's streams, and the backend runner. */
interface Registrar {
  program: Command
  io: Io
  /** Runs a command with a backend (opened for it, always closed). */
  withBackend: (create: boolean, fn: (ctx: CommandContext) => Promise<void>) => (cmd: Command) => Promise<void>
  /** The Command, commander's last action argument. */
  last: (args: unknown[]) => Command
}

export function buildProgram(io: Io): Command {
  const program = new Command('dpdist')
  program
    .description('Differentially private Hamming and edit distance queries over a database of bit strings')
    .version(VERSION)
    .option('--db <path>', `local database file (default $DPDIST_DB or ${DEFAULT_DB})`)
    .option('--url <url>', 'server URL: work on a dpdist server instead of a local file (default $DPDIST_URL)')
    .option('--token <token>', 'bearer token for --url (default $DPDIST_TOKEN)')
    .option('--json', 'print exactly one JSON document on stdout')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Errors are printed once, as one line, by run() below.
      outputError: () => {},
    })
    .showSuggestionAfterError(true)

  /** Runs a command with a backend (opened for it, always closed). */
  const withBackend =
    (create: boolean, fn: (ctx: CommandContext) => Promise<void>) =>
    async (cmd: Command): Promise<void> => {
      const globals = cmd.optsWithGlobals() as GlobalFlags
      const backend = await openBackend(resolveTarget(globals, io.env), create, io.env)
      try {
        await fn({ backend, json: globals.json === true, io })
      } finally {
        await backend.close()
      }
    }
  const last = (args: unknown[]) => args[args.length - 1] as Command

  const r: Registrar = { program, io, withBackend, last }
  for (const add of [addServe, addDatasetCommands, addSketchCommands, addQueryCommands, addBudgetAndTokenCommands, addDemo]) add(r)
  return program
}

/** The serve command. */
function addServe({ program, io }: Registrar): void {
  program
    .command('serve')
    .description('run the HTTP server (configuration from the environment; flags take precedence)')
    .option('--host <host>', 'listen address (default $HOST or 127.0.0.1)')
    .addOption(new Option('--port <port>', 'port, 0 for any free port (default $PORT or 8080)').argParser((v) => integer('--port', v, 0, 65535)))
    .action(async (o: { host?: string; port?: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalFlags
      if (g.url !== undefined) throw new UsageError('serve runs a server on a database file: use --db, not --url')
      // Loaded on demand: the server's modules (Fastify, pino) are not needed by any other command.
      const { serve } = await import('./commands/serve.js')
      await serve(io, { host: o.host, port: o.port, db: g.db })
      serverStarted = true
    })
}

/** The dataset, load commands. */
function addDatasetCommands({ program, withBackend, last }: Registrar): void {
  const dataset = program.command('dataset').description('create, list, show and delete datasets')
  dataset
    .command('create <name>')
    .description('create a dataset of fixed-length bit strings (admin)')
    .addOption(new Option('--bits <n>', 'bits per record').argParser((v) => integer('--bits', v, 1, 1 << 24)).makeOptionMandatory())
    .addOption(new Option('--unit-bits <t>', 'protected change: bit positions of one record (default 1)').argParser((v) => integer('--unit-bits', v, 1)))
    .addOption(new Option('--budget <epsilon>', 'total ε budget').argParser((v) => epsilon('--budget', v)).makeOptionMandatory())
    .option('--retain-raw', 'keep raw bits after the first sketch (rebuilds, geometric mechanism)', false)
    .addOption(
      new Option('--metrics <list>', 'metrics allowed, comma-separated (default hamming,edit)').argParser((v) =>
        list('--metrics', v, (m) => oneOf('--metrics', m, METRICS)),
      ),
    )
    .action((name: string, o, ...rest) =>
      withBackend(true, (ctx) => createDataset(ctx, name, o))(last(rest)),
    )
  dataset
    .command('list')
    .description('list datasets')
    .action((...args) => withBackend(false, (ctx) => listDatasets(ctx))(last(args)))
  dataset
    .command('show <name>')
    .description('records, sketches, budget and privacy statement of a dataset')
    .action((name: string, ...rest) => withBackend(false, (ctx) => showDataset(ctx, name))(last(rest)))
  dataset
    .command('delete <name>')
    .description('delete a dataset, its records and sketches (admin; the ledger stays)')
    .action((name: string, ...rest) => withBackend(false, (ctx) => deleteDataset(ctx, name))(last(rest)))

  program
    .command('load <name> <file>')
    .description('load records from a file (- for stdin), all or nothing (admin)')
    .addOption(
      new Option('--format <format>', 'text | csv | ndjson | packed | clkhash (default: from the extension)').argParser((v) => oneOf('--format', v, FORMATS)),
    )
    .addOption(new Option('--encoding <encoding>', 'bits in text, csv, ndjson: binary | hex | base64 (default binary)').argParser((v) => oneOf('--encoding', v, ENCODINGS)))
    .action((name: string, file: string, o: { format?: LoadFormat; encoding?: Encoding }, ...rest) =>
      withBackend(false, (ctx) => load(ctx, name, file, o))(last(rest)),
    )
}

/** The sketch commands. */
function addSketchCommands({ program, withBackend, last }: Registrar): void {
  const sketch = program.command('sketch').description('build, estimate, list and inspect private sketches')
  const sketchFlags = (c: Command) =>
    c
      .addOption(new Option('--metric <metric>', 'hamming | edit').argParser((v) => oneOf('--metric', v, METRICS)).makeOptionMandatory())
      .addOption(new Option('--epsilon <epsilon>', 'ε charged for the build').argParser((v) => epsilon('--epsilon', v)).makeOptionMandatory())
      .addOption(new Option('--k <k>', 'distance range the sketch must be accurate on').argParser((v) => integer('--k', v, 1)).makeOptionMandatory())
      .addOption(new Option('--mechanism <name>', `${MECHANISMS.join(' | ')} (default parity / noisy-bits)`).argParser((v) => oneOf('--mechanism', v, MECHANISMS)))
      .option('--option <key=value>', 'mechanism option, e.g. --option estimator=paper (repeatable)', collect)
      .addOption(new Option('--popcounts-epsilon <epsilon>', 'also release every record\'s popcount at this ε (Hamming; needed by similarity and link)').argParser((v) => epsilon('--popcounts-epsilon', v)))
  sketchFlags(sketch.command('build <name>').description('charge ε and build a sketch; waits with a progress bar (admin)'))
    .option('--no-wait', 'return the queued job at once (server only)')
    .action((name: string, o, ...rest) =>
      withBackend(false, (ctx) => buildSketch(ctx, name, { ...o, options: mechanismOptions(o.option ?? []) }))(last(rest)),
    )
  sketchFlags(sketch.command('estimate <name>').description('dry run: ε, memory and predicted accuracy of a build; charges nothing'))
    .addOption(new Option('--target-sd <sd>', 'also find the smallest ε whose predicted sd is at most this').argParser((v) => number('--target-sd', v, (x) => x > 0, 'a positive number')))
    .action((name: string, o, ...rest) =>
      withBackend(false, (ctx) => estimateSketch(ctx, name, { ...o, options: mechanismOptions(o.option ?? []) }))(last(rest)),
    )
  sketch
    .command('list <name>')
    .description('sketches of a dataset')
    .action((name: string, ...rest) => withBackend(false, (ctx) => listSketches(ctx, name))(last(rest)))
  sketch
    .command('status <name> <id>')
    .description('status and progress of one sketch')
    .action((name: string, id: string, ...rest) => withBackend(false, (ctx) => sketchStatus(ctx, name, id))(last(rest)))
}

/** The query, link commands. */
function addQueryCommands({ program, withBackend, last }: Registrar): void {
  program
    .command('query <name>')
    .description('estimated distances from a query string to the records (sketch: free; geometric: charged)')
    .addOption(new Option('--metric <metric>', 'hamming | edit').argParser((v) => oneOf('--metric', v, METRICS)).makeOptionMandatory())
    .requiredOption('--bits <bits>', 'the query string')
    .addOption(new Option('--encoding <encoding>', 'binary | hex | base64 (default binary)').argParser((v) => oneOf('--encoding', v, ENCODINGS)))
    .addOption(new Option('--top <n>', 'at most this many closest records (default 100)').argParser((v) => integer('--top', v, 1, 1_000_000)))
    .addOption(new Option('--max-distance <d>', 'only records estimated within d').argParser((v) => number('--max-distance', v, (x) => x >= 0, 'a non-negative number')))
    .addOption(new Option('--mechanism <name>', 'sketch | geometric (default sketch)').argParser((v) => oneOf('--mechanism', v, ['sketch', 'geometric'] as const)))
    .addOption(new Option('--epsilon <epsilon>', 'ε charged per query (geometric only)').argParser((v) => epsilon('--epsilon', v)))
    .addOption(new Option('--k <k>', 'edit-distance cap of the geometric mechanism (default 64)').argParser((v) => integer('--k', v, 0)))
    .addOption(new Option('--confidence <c>', 'interval level (default 0.95)').argParser((v) => number('--confidence', v, (x) => x > 0 && x < 1, 'between 0 and 1')))
    .option('--simultaneous', 'intervals that hold for all records jointly (Bonferroni)')
    .option('--sketch <id>', 'the sketch to use (default: the latest ready one for the metric)')
    .action((name: string, o, ...rest) => withBackend(false, (ctx) => query(ctx, name, o))(last(rest)))

  program
    .command('link <name> <file>')
    .description("link a file of the other party's records against the dataset's sketch (free); candidate pairs as CSV")
    .addOption(new Option('--format <format>', 'text | csv | ndjson | packed | clkhash (default: from the extension)').argParser((v) => oneOf('--format', v, FORMATS)))
    .addOption(new Option('--encoding <encoding>', 'bits in text, csv, ndjson: binary | hex | base64 (default binary)').argParser((v) => oneOf('--encoding', v, ENCODINGS)))
    .addOption(new Option('--similarity <kind>', 'dice | jaccard (default dice)').argParser((v) => oneOf('--similarity', v, ['dice', 'jaccard'] as const)))
    .addOption(
      new Option('--threshold <t>', 'keep pairs with similarity at least t').argParser((v) => number('--threshold', v, (x) => x >= 0 && x <= 1, 'between 0 and 1')).makeOptionMandatory(),
    )
    .addOption(new Option('--top <n>', 'candidates per query (default 10)').argParser((v) => integer('--top', v, 1, 1000)))
    .addOption(new Option('--solve <solver>', 'none | greedy (default none)').argParser((v) => oneOf('--solve', v, ['none', 'greedy'] as const)))
    .option('--sketch <id>', 'the sketch to use (default: the latest ready Hamming sketch)')
    .option('--out <file>', 'write the candidate pairs as CSV')
    .action((name: string, file: string, o, ...rest) => withBackend(false, (ctx) => link(ctx, name, file, o))(last(rest)))
}

/** The budget, token commands. */
function addBudgetAndTokenCommands({ program, withBackend, last }: Registrar): void {
  program
    .command('budget <name>')
    .description('ε budget, spend (per principal for an admin) and ledger of a dataset')
    .addOption(new Option('--set <epsilon>', 'set the total ε budget (admin)').argParser((v) => epsilon('--set', v)))
    .option('--deleted', 'the ledgers of deleted datasets that had this name (admin): their audit trail')
    .action((name: string, o: { set?: string; deleted?: boolean }, ...rest) => {
      if (o.deleted && o.set !== undefined) throw new UsageError('--set applies to the live dataset, not with --deleted')
      return withBackend(false, (ctx) => (o.deleted ? deletedBudgets(ctx, name) : budget(ctx, name, o.set)))(last(rest))
    })

  const token = program.command('token').description('API tokens (admin)')
  token
    .command('create')
    .description('create a token; the secret is printed once')
    .addOption(new Option('--role <role>', 'admin | analyst').argParser((v) => oneOf('--role', v, ['admin', 'analyst'] as const)).makeOptionMandatory())
    .addOption(new Option('--datasets <list>', 'datasets an analyst may use, comma-separated (default all)').argParser((v) => list('--datasets', v, (s) => s)))
    .addOption(new Option('--quota <epsilon>', 'most ε the analyst may be charged on each of --datasets').argParser((v) => epsilon('--quota', v)))
    .option('--label <label>', 'a note shown in token list')
    .action((o, ...rest) => withBackend(true, (ctx) => createToken(ctx, o))(last(rest)))
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action((...args) => withBackend(false, (ctx) => listTokens(ctx))(last(args)))
  token
    .command('revoke <id>')
    .description('revoke a token')
    .action((id: string, ...rest) => withBackend(false, (ctx) => revokeToken(ctx, id))(last(rest)))
}

/** The demo command. */
function addDemo({ program, io }: Registrar): void {
  program
    .command('demo')
    .description('synthetic data, a private sketch and a query: estimates next to the truth (temporary database unless --db or --url)')
    .addOption(new Option('--records <m>', 'Hamming records').argParser((v) => integer('--records', v, 66, 10_000_000)).default(2000))
    .addOption(new Option('--epsilon <epsilon>', 'ε of each sketch').argParser((v) => epsilon('--epsilon', v)).default('5'))
    .option('--name <prefix>', 'dataset name prefix (default demo, or demo-<random> on an existing database)')
    .option('--no-edit', 'skip the edit-distance part')
    .action(async (o: { records: number; epsilon: string; name?: string; edit: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalFlags
      const temporary = g.db === undefined && g.url === undefined
      const dir = temporary ? mkdtempSync(join(tmpdir(), 'dpdist-demo-')) : null
      try {
        const target = dir === null ? resolveTarget(g, io.env) : ({ kind: 'local', path: join(dir, 'demo.db') } as const)
        const backend = await openBackend(target, true, io.env)
        const name = o.name ?? (temporary ? 'demo' : `demo-${randomBytes(3).toString('hex')}`)
        try {
          await demo({ backend, json: g.json === true, io }, { name, records: o.records, epsilon: o.epsilon, edit: o.edit })
        } finally {
          await backend.close()
        }
      } finally {
        if (dir !== null) rmSync(dir, { recursive: true, force: true })
      }
    })
}


/** Whether --json is among the flags (before any `--`), even when parsing them failed. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json')
}

/** Parses argv and runs the command. Returns the exit code; serve keeps the process alive itself. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')) {
      return err.exitCode
    }
    io.stderr.write(`${errorLine(err)}\n`)
    if (wantsJson(argv)) io.stdout.write(jsonDocument(errorDocument(err)))
    return exitCodeOf(err)
  }
}

