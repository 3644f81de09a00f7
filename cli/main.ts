#!/usr/bin/env node
/**
 * `dpdist`: the command-line interface (README.md#the-cli). The commands are defined in cli/program.ts and
 * implemented in cli/commands/; this entry point only wires the process's streams and exit code.
 */
import type { Io } from './context.js'
import { run, serving } from './program.js'

const io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }
const argv = process.argv.slice(2)
const code = await run(argv, io)
if (!serving() || code !== 0) {
  // Exit once stdout is flushed: idle keep-alive sockets or finished workers must not hold the process.
  process.stdout.write('', () => process.exit(code))
}
