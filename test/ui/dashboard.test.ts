/**
 * The owner dashboard in a real browser: a dpdist server on a socket, headless Chromium (the
 * system's, driven by playwright-core), and the page used as an owner would, one step per subtest
 * (they run in order on one page). Signs in, sees the datasets, the budget chart after two charges,
 * plans a sketch and builds it, waits for it to be ready, queries it (the table must match the
 * API's own answer for the same query: sketch answers are post-processing, so both are the same),
 * then checks what an analyst token and a wrong token see. A screenshot of each step goes to a temp
 * folder, and no step may log a console error (the wrong token's refused request is the one
 * expected error).
 *
 * Skips, saying why, when no Chromium is installed. DPDIST_README_SCREENSHOT=PATH also writes the
 * README's screenshot there.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { uiRoot } from '../../server/plugins/external/static.js'
import { api, must, startServer, type ServerProcess } from '../support/server-process.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const WAIT = { timeout: 60_000 }
const N = 64
const M = 300
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install Debian's chromium package (or set CHROMIUM_PATH) to run the browser test`

interface Budget {
  spent: number
  remaining: number
}

/** Two datasets (one with records of random bits) and an analyst of one of them, through the API. */
async function seed(server: ServerProcess) {
  const records = Array.from({ length: M }, (_, i) => ({ id: `r${i}`, bits: [...randomBytes(N)].map((b) => b & 1).join('') }))
  await must(server, 'POST', '/v1/datasets', { json: { name: 'clk', bits: N, epsilonBudget: 10, retainRaw: true, metrics: ['hamming'] } }, 201)
  await must(server, 'POST', '/v1/datasets/clk/records', { json: { records } }, 201)
  await must(server, 'POST', '/v1/datasets', { json: { name: 'iris', bits: 128, epsilonBudget: 5 } }, 201)
  const analyst = await must<{ token: string }>(server, 'POST', '/v1/tokens', { json: { role: 'analyst', datasets: [{ name: 'clk', epsilonQuota: 2 }], label: 'linkage team' } }, 201)
  return { records, analyst: analyst.token }
}

t.test('the dashboard in headless Chromium', { skip }, async (t) => {
  t.ok(existsSync(join(uiRoot, 'index.html')), 'the dashboard is built (npm run build)')
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-ui-test-'))
  const shots = mkdtempSync(join(tmpdir(), 'dpdist-ui-screenshots-'))
  t.comment(`screenshots in ${shots}`)
  const server = await startServer({ dbPath: join(dir, 'dpdist.db') })
  t.teardown(async () => {
    await server.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })
  const { records, analyst } = await seed(server)
  const profile = mkdtempSync(join(tmpdir(), 'dpdist-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 }, args: CHROMIUM_ARGS })
  t.teardown(async () => {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  })
  const page: Page = browser.pages()[0] ?? (await browser.newPage())
  let step = 'start'
  const errors: { step: string; text: string }[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push({ step, text: m.text() })
  })
  page.on('pageerror', (e) => errors.push({ step, text: `uncaught: ${e.message}` }))
  let shot = 0
  const snap = (name: string) => page.screenshot({ path: join(shots, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true })
  const signIn = async (token: string) => {
    await page.getByTestId('token-input').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }
  const budget = () => must<Budget>(server, 'GET', '/v1/datasets/clk/budget', {}, 200)
  const tile = (name: string) => page.getByTestId(`tile-${name}`).locator('.tile-value').textContent()
  // each step is a subtest of this one, run in order on the same page
  const stepTest = (name: string, fn: (t: Test) => Promise<void>) =>
    t.test(name, async (t) => {
      step = name
      await fn(t)
      await snap(name.replaceAll(' ', '-'))
    })

  await stepTest('sign in', async (t) => {
    const res = await page.goto(`${server.url}/ui`)
    t.equal(res?.status(), 200, '/ui answers (after the redirect to /ui/)')
    await page.getByTestId('signin').waitFor(WAIT)
    await snap('sign-in-form')
    await signIn(server.adminToken)
    await page.locator('[data-testid=whoami][data-role=admin]').waitFor(WAIT)
    await page.getByTestId('dataset-title').getByText('clk').waitFor(WAIT)
    t.equal(await page.getByTestId('dataset-card').count(), 2, 'the admin sees both datasets')
    t.equal(await tile('records'), String(M), 'm')
    t.equal(await tile('bits'), String(N), 'n')
    t.equal(await tile('raw'), 'raw retained')
    await page.getByTestId('budget-empty').waitFor(WAIT)
    await page.getByTestId('linkage').first().getByText('No linkage runs yet.').waitFor(WAIT)
    t.pass('the server documents linkage runs, so each dataset shows its (still empty) linkage runs section')
  })

  await stepTest('budget after two charges', async (t) => {
    await must(server, 'POST', '/v1/datasets/clk/query', { json: { metric: 'hamming', query: records[1].bits, mechanism: 'geometric', epsilon: 0.5, top: 5 } }, 200)
    await must(server, 'PUT', '/v1/datasets/clk/budget', { json: { epsilonBudget: 12 } }, 200)
    await page.getByRole('button', { name: 'Refresh' }).click()
    await page.locator('[data-testid=budget-chart][data-points="2"]').waitFor(WAIT)
    t.equal(await page.getByTestId('ledger-row').count(), 2, 'two ledger rows')
    t.equal(await tile('remaining'), '11.5', 'remaining = 12 − 0.5')
  })

  const planned = { metric: 'hamming', mechanism: 'parity', k: 16, epsilon: 1, targetSd: 2 }
  const dry = await must<{ minEpsilonForTargetSd: number }>(server, 'POST', '/v1/datasets/clk/sketches:estimate', { json: planned }, 200)

  await stepTest('plan', async (t) => {
    const form = page.getByTestId('planner-form')
    await form.locator('select[name=mechanism]').selectOption(planned.mechanism)
    await form.locator('input[name=k]').fill(String(planned.k))
    await form.locator('input[name=targetSd]').fill(String(planned.targetSd))
    await form.getByRole('button', { name: 'Estimate' }).click()
    const facts = page.getByTestId('plan-facts')
    await facts.waitFor(WAIT)
    t.equal(Number(await facts.getAttribute('data-epsilon')), dry.minEpsilonForTargetSd, 'the planner shows the smallest ε for the target sd, as the API computes it')
    await page.getByTestId('plan-chart').waitFor(WAIT)
    t.equal((await budget()).spent, 0.5, 'planning charged nothing')
  })

  await stepTest('build', async (t) => {
    await page.getByTestId('build').click()
    const dialog = page.getByTestId('confirm-dialog')
    await dialog.waitFor(WAIT)
    t.match(await dialog.textContent(), `ε = ${dry.minEpsilonForTargetSd}`, 'the confirmation names the cost')
    await snap('confirm-build')
    await dialog.getByTestId('confirm').click()
    await page.locator('[data-testid=sketch-row][data-status=ready]').waitFor(WAIT)
    await page.locator('[data-testid=budget-chart][data-points="3"]').waitFor(WAIT)
    await page.getByTestId('accuracy-chart').waitFor(WAIT)
    const after = await budget()
    t.equal(after.spent, Number((0.5 + dry.minEpsilonForTargetSd).toFixed(6)), 'the build charged the planned ε')
    await page.locator('[data-testid=dataset-card][data-name=clk]').getByText(`ε ${after.remaining} of 12 left`).waitFor(WAIT)
  })

  await stepTest('query', async (t) => {
    const form = page.getByTestId('query-form')
    await form.locator('textarea[name=query]').fill(records[7].bits)
    await form.locator('input[name=top]').fill('10')
    await form.getByRole('button', { name: 'Run query' }).click()
    await page.locator('[data-testid=query-results][data-count="10"]').waitFor(WAIT)
    const answer = await must<{ results: { id: string }[] }>(server, 'POST', '/v1/datasets/clk/query', { json: { metric: 'hamming', query: records[7].bits, top: 10 } }, 200)
    const shown = await page.getByTestId('result-row').evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent))
    t.same(shown, answer.results.map((r) => r.id), 'the table lists the records of the API answer, in its order')
    t.equal(await page.getByTestId('result-row').locator('svg.interval').count(), 10, 'each interval is drawn as a bar')
    const readme = process.env.DPDIST_README_SCREENSHOT
    if (readme) await page.screenshot({ path: readme, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1400 } })
  })

  await stepTest('analyst', async (t) => {
    await page.getByTestId('signout').click()
    await page.getByTestId('signin').waitFor(WAIT)
    await signIn(analyst)
    await page.locator('[data-testid=whoami][data-role=analyst]').waitFor(WAIT)
    await page.getByTestId('dataset-title').getByText('clk').waitFor(WAIT)
    t.same(await page.getByTestId('dataset-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-name'))), ['clk'], 'an analyst sees only its dataset')
    t.equal(await page.getByTestId('planner').count(), 0, 'and no build planner')
    await page.locator('[data-testid=sketch-row][data-status=ready]').waitFor(WAIT)
    const quota = page.getByTestId('quotas').locator('tbody tr')
    await quota.first().waitFor(WAIT)
    t.same(await quota.first().locator('td').allTextContents(), ['you', '2', '0', '2'], 'the analyst sees its own ε quota: 2, none spent')
  })

  await stepTest('wrong token', async (t) => {
    await page.getByTestId('signout').click()
    await signIn(`dpd_${randomBytes(32).toString('base64url')}`)
    const refused = page.getByTestId('signin-error')
    await refused.waitFor(WAIT)
    t.match(await refused.textContent(), /not valid/, 'a wrong token sees why it was refused')
    t.equal(await page.evaluate("sessionStorage.getItem('dpdist.token')"), null, 'and the refused token is not kept')
  })

  t.same(
    errors.filter((e) => !(e.step === 'wrong token' && /status of 401/.test(e.text))),
    [],
    'no console errors (but the refused request of the wrong token)',
  )
  t.equal(errors.filter((e) => e.step === 'wrong token').length, 1, 'the wrong token made one refused request')
  t.equal((await api(server, 'GET', '/health', { token: null })).status, 200, 'the server is still healthy')
})
