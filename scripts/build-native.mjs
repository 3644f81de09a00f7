// Builds the optional native count filter (native/*.c → build/Release/count_filter.node)
// with node-gyp, which npm provides to its scripts. Run by `npm ci` (the install script: without it
// npm would run node-gyp itself, and fail the install when there is no compiler) and by
// `npm run build`. Skipped when the addon is newer than its sources. When the build fails (no C compiler, an unsupported platform), one warning line is
// printed and the build goes on: dpdist then scans with its WebAssembly filter (same answers, slower).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const addon = join(root, 'build', 'Release', 'count_filter.node')
const sources = [join(root, 'binding.gyp'), ...readdirSync(join(root, 'native')).map((f) => join(root, 'native', f))]

const built = existsSync(addon) ? statSync(addon).mtimeMs : -1
if (built > 0 && sources.every((f) => statSync(f).mtimeMs <= built)) process.exit(0)

// Under npm, npm_config_node_gyp names npm's own node-gyp; run directly, npm's copy beside node is used. The headers of
// the running Node are used when they are installed beside it (no download); else node-gyp fetches them.
const prefix = join(dirname(process.execPath), '..')
const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined)
const localHeaders = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : []
const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild', ...localHeaders]] : ['node-gyp', ['rebuild', ...localHeaders]]
const run = spawnSync(command, args, { cwd: root, encoding: 'utf8' })
if (run.status !== 0) {
  const reason = run.error?.message ?? (run.stderr || run.stdout || '').trim().split('\n').filter((l) => /error/i.test(l))[0] ?? `exit code ${run.status}`
  console.warn(`dpdist: native count filter not built (${reason}); scans use the WebAssembly filter`)
}
