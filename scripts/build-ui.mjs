// Builds the owner dashboard (ui/) into dist/ui: one bundled, minified script and stylesheet
// (uPlot included, so the page loads nothing from elsewhere), the HTML page, the icon and uPlot's
// licence. Run by
// `npm run build`; the server serves the result at /ui.
import { build } from 'esbuild'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist', 'ui')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
await build({
  entryPoints: { app: join(root, 'ui', 'src', 'main.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
})
for (const file of ['index.html', 'favicon.svg']) cpSync(join(root, 'ui', file), join(out, file))
// uPlot's MIT licence travels with the bundle that contains it
cpSync(join(root, 'node_modules', 'uplot', 'LICENSE'), join(out, 'LICENSE.uplot.txt'))
