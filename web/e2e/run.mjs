// End-to-end stories in headless Chromium through the real server: a
// citizen reports; the centre accepts and dispatches; the department signs
// and handles; the centre verifies and closes; the citizen rates; the map
// and the big screen show it. Screenshots go to web/e2e/artifacts, with the
// budgets measured on the way (budgets.json).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDemo } from './server.mjs'
import { story } from './story.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const chromiumPath = process.env.GONGZHI_CHROMIUM ?? '/usr/bin/chromium'
const required = process.env.GONGZHI_E2E_REQUIRED === '1'

function skip(why) {
  const line = '*'.repeat(78)
  console.error(`${line}\nSKIPPED: the end-to-end browser tests did not run: ${why}\n${line}`)
  process.exit(required ? 1 : 0)
}

if (!existsSync(chromiumPath)) skip(`no Chromium at ${chromiumPath} (Debian: apt-get install chromium)`)
const binary = process.env.GONGZHI_BIN ?? join(root, 'target/debug/gongzhi')
if (!existsSync(binary)) skip(`no gongzhi binary at ${binary} (cargo build -p gongzhi)`)
if (!existsSync(join(root, 'web/dist/index.html'))) skip('the web app is not built (npm run build in web/)')

const shared = [process.env.GONGZHI_SHARED_DATA, join(root, '../shared/data')].find(
  (d) => d && existsSync(join(d, 'divisions/provinces.csv')),
)
const artefacts = join(root, 'web/e2e/artifacts')
mkdirSync(artefacts, { recursive: true })

const { chromium } = await import('playwright-core')
console.log('e2e: starting the demo (this sets up the whole city) ...')
const server = await startDemo({ binary, referenceDir: shared })
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
let failed = false
try {
  const budgets = await story({ browser, server, artefacts })
  writeFileSync(join(artefacts, 'budgets.json'), JSON.stringify(budgets, null, 2) + '\n')
  console.log(`e2e: budgets ${JSON.stringify(budgets)}`)
} catch (e) {
  failed = true
  console.error('e2e: FAILED', e)
} finally {
  await browser.close()
  server.stop()
}
process.exit(failed ? 1 : 0)
