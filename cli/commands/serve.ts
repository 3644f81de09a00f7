/**
 * `dpdist serve`: the server, configured from the environment (README.md#configuration) with `--host`, `--port`
 * and `--db` taking precedence. Logs go to stdout (pino); one line on stderr says where it listens
 * (useful with --port 0). SIGINT/SIGTERM close the server, the build workers and the database.
 */
import closeWithGrace from 'close-with-grace'
import { loadConfig } from '../../core/config.js'
import { start } from '../../server/start.js'
import type { Io } from '../context.js'

export interface ServeFlags {
  host?: string
  port?: number
  db?: string
}

export async function serve(io: Io, o: ServeFlags): Promise<void> {
  const env = { ...io.env }
  if (o.host !== undefined) env.HOST = o.host
  if (o.port !== undefined) env.PORT = String(o.port)
  if (o.db !== undefined) env.DPDIST_DB = o.db
  const config = loadConfig(env)
  const running = await start(config)
  io.stderr.write(`dpdist listening on ${running.url} (database ${config.dbPath})\n`)
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) running.app.log.error({ err: { message: err.message } }, 'shutting down after an error')
    else running.app.log.info({ signal }, 'shutting down')
    await running.close()
  })
}
