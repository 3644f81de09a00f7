/** Entry point (`npm start`): configuration from the environment, graceful shutdown on SIGINT/SIGTERM. */
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from '../core/config.js'
import { start } from './start.js'

try {
  const running = await start(loadConfig())
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) running.app.log.error({ err: { message: err.message } }, 'shutting down after an error')
    else running.app.log.info({ signal }, 'shutting down')
    await running.close()
  })
} catch (err) {
  process.stderr.write(`dpdist: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
