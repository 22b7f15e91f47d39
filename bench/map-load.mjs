// The map page's first load against a running demo, in headless Chromium:
// from navigation until its points are drawn, three times each with the
// page's default period (30 days) and with the whole history, and the ratio
// of the two in the same run. For a city of 100,000 events:
//   GONGZHI__DEMO__EVENTS_PER_DAY=1110 scripts/demo.sh --bind 127.0.0.1:8080
//   node bench/map-load.mjs http://127.0.0.1:8080 demo-leader <printed password> 92
// (playwright-core from web/node_modules, Debian's chromium).

import { chromium } from '../web/node_modules/playwright-core/index.mjs'

const [base, login, password, historyDays = '92'] = process.argv.slice(2)
if (!password) {
  console.error('usage: node bench/map-load.mjs BASE_URL LOGIN PASSWORD [HISTORY_DAYS]')
  process.exit(2)
}
const browser = await chromium.launch({
  executablePath: process.env.GONGZHI_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
})
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Shanghai' })).newPage()
await page.goto(`${base}/login`)
await page.locator('input[name=login]').fill(login)
await page.locator('input[name=password]').fill(password)
await page.locator('[data-test=sign-in]').click()
await page.waitForURL((u) => !u.pathname.startsWith('/login'))

/** Median first load in ms and the points drawn, the points request's period starting `days` ago (or the page's own). */
async function firstLoads(days) {
  await page.unroute('**/api/v1/map/events*')
  if (days) {
    const from = new Date(Date.now() - days * 86400e3).toISOString().slice(0, 10)
    await page.route('**/api/v1/map/events*', (route) => {
      const url = new URL(route.request().url())
      url.searchParams.set('from', from)
      return route.continue({ url: url.toString() })
    })
  }
  const times = []
  let points = ''
  for (let run = 0; run < 3; run++) {
    const started = Date.now()
    await page.goto(`${base}/map`)
    await page.locator('[data-test=map][data-ready="true"]').waitFor({ timeout: 120_000 })
    times.push(Date.now() - started)
    points = (await page.locator('[data-test=point-count]').textContent()).replace(/[^\d]/g, '')
  }
  times.sort((a, b) => a - b)
  return { median: times[1], times, points: Number(points) }
}

const usual = await firstLoads(0)
const whole = await firstLoads(Number(historyDays))
console.log(`default period: ${usual.points} points, median ${usual.median} ms (${usual.times.join(', ')})`)
console.log(`whole history:  ${whole.points} points, median ${whole.median} ms (${whole.times.join(', ')})`)
console.log(`ratio: ${(whole.median / usual.median).toFixed(2)} for ${(whole.points / usual.points).toFixed(2)} times the points`)
await browser.close()
