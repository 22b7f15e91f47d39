// Starts `gongzhi demo` in a fresh folder on a free port, as a newcomer
// would, and reads what it prints: the demo users' passwords and, from the
// development SMS sender's log lines, the citizens' one-time codes.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A free TCP port on the loopback interface. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Runs the demo until it listens. Resolves with `{ base, passwords, codeFor,
 * stop }`; rejects with the output when it exits or takes over `timeoutMs`.
 */
export async function startDemo({ binary, referenceDir, timeoutMs = 15 * 60_000 }) {
  const dir = mkdtempSync(join(tmpdir(), 'gongzhi-e2e-'))
  const port = await freePort()
  const env = { ...process.env, RUST_LOG: 'info', NO_COLOR: '1' }
  if (referenceDir) env.GONGZHI__DATA__REFERENCE_DIR = referenceDir
  const child = spawn(binary, ['demo', '--bind', `127.0.0.1:${port}`], { cwd: dir, env })
  let output = ''
  const onData = (chunk) => {
    output += chunk.toString()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const stop = () => {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`the demo did not start within ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const check = () => {
      if (/listening on http:\/\//.test(output)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the demo exited with ${code}:\n${output}`))
    })
  })
  const passwords = {}
  for (const [, login, password] of output.matchAll(/^\s+(demo-[a-z-]+)\s+(\S+)\s{2}/gm)) {
    if (password !== 'phone') passwords[login] = password
  }
  /** The last one-time code the log shows, waiting for it to appear. */
  const codeFor = async (after) => {
    for (let i = 0; i < 100; i++) {
      const codes = [...output.slice(after).matchAll(/one-time code[^\n]*?code[=:]\s*"?(\d{4,8})/g)]
      if (codes.length) return codes[codes.length - 1][1]
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`no one-time code in the log:\n${output.slice(after)}`)
  }
  return { base: `http://127.0.0.1:${port}`, passwords, codeFor, outputLength: () => output.length, stop }
}
