/** In-process checks of the CLI's flag parsing, target resolution, error lines and tables. */
import { CommanderError } from 'commander'
import t from 'tap'
import { BackendError } from '../../cli/backend.js'
import { errorLine, exitCodeOf, redact } from '../../cli/errors.js'
import { epsilon, formatFromExtension, integer, list, mechanismOptions, oneOf, UsageError } from '../../cli/options.js'
import { eps, table } from '../../cli/output.js'
import { DEFAULT_DB, resolveTarget } from '../../cli/program.js'

t.test('integer, epsilon, oneOf, list', async (t) => {
  t.equal(integer('--bits', '1024', 1), 1024)
  t.throws(() => integer('--bits', '0', 1), { message: '--bits must be an integer between 1 and 9007199254740991' })
  t.throws(() => integer('--bits', '1.5', 1), { message: '--bits must be a positive integer' })
  t.throws(() => integer('--port', '70000', 0, 65535), UsageError)
  t.equal(epsilon('--epsilon', ' 0.1 '), '0.1', 'kept as typed, charged exactly by the backend')
  t.equal(epsilon('--epsilon', '1e-3'), '1e-3')
  for (const bad of ['0', '-1', 'abc', '', '1e', 'NaN', 'Infinity']) t.throws(() => epsilon('--epsilon', bad), UsageError, bad)
  t.equal(oneOf('--metric', 'edit', ['hamming', 'edit']), 'edit')
  t.throws(() => oneOf('--metric', 'cosine', ['hamming', 'edit']), { message: '--metric must be one of hamming, edit' })
  t.same(list('--metrics', 'hamming, edit,hamming', (s) => s), ['hamming', 'edit'])
  t.throws(() => list('--datasets', 'a,,b', (s) => s), UsageError)
})

t.test('mechanism options: JSON scalars or strings', async (t) => {
  t.equal(mechanismOptions([]), undefined)
  t.same(mechanismOptions(['estimator=paper', 'L=4', 'exact=true', 'sizes=[1,2]', 'ratio=0.5']), {
    estimator: 'paper',
    L: 4,
    exact: true,
    sizes: [1, 2],
    ratio: 0.5,
  })
  t.throws(() => mechanismOptions(['noequals']), { message: '--option must be key=value' })
  t.throws(() => mechanismOptions(['a=1', 'a=2']), { message: '--option a is given twice' })
  t.throws(() => mechanismOptions(['x=[1,']), { message: '--option value is not valid JSON' })
})

t.test('format from the extension', async (t) => {
  const cases: [string, string | undefined][] = [
    ['a.txt', 'text'],
    ['a.CSV', 'csv'],
    ['a.ndjson', 'ndjson'],
    ['a.jsonl', 'ndjson'],
    ['a.bin', 'packed'],
    ['a.packed', 'packed'],
    ['clks.json', 'clkhash'],
    ['a.dat', undefined],
    ['noext', undefined],
  ]
  for (const [file, format] of cases) t.equal(formatFromExtension(file), format, file)
})

t.test('local or remote: flags first, then the environment', async (t) => {
  t.same(resolveTarget({}, {}), { kind: 'local', path: DEFAULT_DB })
  t.same(resolveTarget({}, { DPDIST_DB: '/x.db' }), { kind: 'local', path: '/x.db' })
  t.same(resolveTarget({ db: '/y.db' }, { DPDIST_URL: 'http://h', DPDIST_TOKEN: 'k' }), { kind: 'local', path: '/y.db' }, 'an explicit --db wins over DPDIST_URL')
  t.same(resolveTarget({}, { DPDIST_URL: 'http://h', DPDIST_TOKEN: 'k', DPDIST_DB: '/x.db' }), { kind: 'remote', url: 'http://h', token: 'k' })
  t.same(resolveTarget({ url: 'http://u', token: 't' }, { DPDIST_TOKEN: 'k' }), { kind: 'remote', url: 'http://u', token: 't' })
  t.throws(() => resolveTarget({ url: 'http://u' }, {}), { message: /needs a token/ })
  t.throws(() => resolveTarget({ db: 'a', url: 'http://u', token: 't' }, {}), { message: /either --db/ })
  t.throws(() => resolveTarget({ token: 't' }, {}), { message: /--token applies to remote mode/ })
})

t.test('error lines: one line, prefixed, no long quoted input', async (t) => {
  const bits = '01'.repeat(512)
  t.equal(errorLine(new BackendError('no dataset named "x"', 404, 'not-found')), 'dpdist: no dataset named "x"')
  t.equal(errorLine(new Error('two\nlines')), 'dpdist: two lines')
  t.equal(errorLine(new CommanderError(1, 'commander.unknownCommand', `error: unknown command '${bits}'`)), "dpdist: unknown command '<1024 characters>' (see dpdist --help)")
  t.equal(redact(`bad ${'ab12'.repeat(16)} here`), 'bad <64 characters> here')
  t.equal(redact("option '--top <n>' argument 'x' is invalid"), "option '--top <n>' argument 'x' is invalid", 'short quotes stay')
  t.equal(exitCodeOf(new UsageError('x')), 2)
  t.equal(exitCodeOf(new CommanderError(1, 'commander.missingMandatoryOptionValue', 'x')), 2)
  t.equal(exitCodeOf(new BackendError('x', 409, 'budget-exhausted')), 1)
})

t.test('tables align numbers right and text left', async (t) => {
  const text = table(['id', 'estimate', 'status'], [['a', '1.0', 'ok'], ['bb', '12.5', 'saturated']])
  t.equal(text, ['id  estimate  status', '--  --------  ---------', 'a        1.0  ok', 'bb      12.5  saturated', ''].join('\n'))
  t.equal(eps(0.1 + 0.2), '0.3')
  t.equal(eps(5), '5')
})
