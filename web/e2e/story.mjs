// The story every role walks, in the browser, against the demo city. Each
// step asserts what the page shows; screenshots are taken on the way.

import assert from 'node:assert/strict'
import { join } from 'node:path'

/** Where the citizen stands: a street in 金平区, Shantou (WGS-84). */
const CITIZEN_AT = { latitude: 23.3565, longitude: 116.6790 }
const CITIZEN_PHONE = '13800138000'
/** Where the people using it are. */
const ZONE = 'Asia/Shanghai'

/** A 1×1 PNG, as a photo of the handled site. */
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
)

/** The text input or textarea carrying `data-test=name`, or inside it. */
function field(page, name) {
  return page
    .locator(`input[data-test="${name}"], textarea[data-test="${name}"], [data-test="${name}"] input, [data-test="${name}"] textarea`)
    .first()
}

async function signIn(browser, server, login, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: ZONE, ...options })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(`e2e: page error as ${login}:`, e))
  await page.goto(`${server.base}/login`)
  await page.locator('input[name=login]').fill(login)
  await page.locator('input[name=password]').fill(server.passwords[login])
  await page.locator('[data-test=sign-in]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  return page
}

async function citizenSignIn(browser, server) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: ZONE,
    geolocation: CITIZEN_AT,
    permissions: ['geolocation'],
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('e2e: page error as the citizen:', e))
  await page.goto(`${server.base}/login`)
  await page.locator('#tab-citizen').click()
  await page.locator('input[name=phone]').fill(CITIZEN_PHONE)
  const before = server.outputLength()
  await page.locator('[data-test=send-code]').click()
  const code = await server.codeFor(before)
  await page.locator('input[name=code]').fill(code)
  await page.locator('[data-test=citizen-sign-in]').click()
  await page.waitForURL('**/citizen')
  return page
}

/** The API's answer to `path` in the page's session. */
async function api(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(`/api/v1${p}`, { credentials: 'same-origin' })
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`)
    return r.json()
  }, path)
}

/** Opens the action's dialog, fills it with `fill`, submits, and waits for the state. */
async function act(page, action, state, fill = async () => {}) {
  await page.locator(`[data-test="action-${action}"]`).click()
  const dialog = page.locator('[data-test=step-dialog]').filter({ visible: true })
  await dialog.waitFor()
  await fill(dialog)
  await dialog.locator('[data-test=step-submit]').click()
  await page.locator(`[data-test=event-state][data-state="${state}"]`).waitFor()
  await dialog.waitFor({ state: 'hidden' })
}

async function openEvent(page, server, number) {
  await page.goto(`${server.base}/events/${number}`)
  await page.locator('[data-test=event-number]').filter({ hasText: number }).waitFor()
}

/** JavaScript the page downloaded, in bytes as sent (gzip). */
async function scriptBytes(page) {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.endsWith('.js'))
      .reduce((sum, e) => sum + e.encodedBodySize, 0),
  )
}

export async function story({ browser, server, artefacts }) {
  const shot = (page, name) => page.screenshot({ path: join(artefacts, `${name}.png`) })
  const budgets = {}

  // The department's handler, signed in first to learn their department.
  const handler = await signIn(browser, server, 'demo-department-handler')
  const department = (await api(handler, '/session')).user.department
  assert.ok(department, 'the demo handler works for a department')

  // 1. A citizen reports from their phone, located by GPS.
  const citizen = await citizenSignIn(browser, server)
  await citizen.reload()
  await citizen.locator('[data-test=submit-report]').waitFor()
  await citizen.waitForLoadState('networkidle')
  budgets.citizenScriptBytesGzip = await scriptBytes(citizen)
  assert.ok(budgets.citizenScriptBytesGzip > 0, 'the citizen page loads its scripts')
  assert.ok(budgets.citizenScriptBytesGzip < 300 * 1024, `citizen JavaScript ${budgets.citizenScriptBytesGzip} B is over 300 KB`)
  await citizen.locator('[data-test=category]').click()
  await citizen.locator('.el-select-dropdown__item[data-code="0102"]').filter({ visible: true }).click()
  await field(citizen, 'title').fill('路边垃圾堆积')
  await field(citizen, 'description').fill('金新路口垃圾三天无人清运，气味很大')
  await field(citizen, 'address').fill('金平区金新路与金砂路交界')
  await citizen.locator('[data-test=use-location]').click()
  await citizen.locator('[data-test=location]').waitFor()
  await shot(citizen, 'citizen-report')
  await citizen.locator('[data-test=submit-report]').click()
  const number = (await citizen.locator('[data-test=event-number]').first().textContent()).trim()
  assert.match(number, /^\d{8}-\d{6}$/)
  await shot(citizen, 'citizen-reported')

  // 2. The centre finds it, accepts it and dispatches it to the department.
  const operator = await signIn(browser, server, 'demo-operator')
  await operator.goto(`${server.base}/workbench`)
  await operator.locator('[data-test=event-row]').first().waitFor()
  await shot(operator, 'workbench')
  await field(operator, 'search').fill(number)
  await operator.locator('[data-test=search-submit]').click()
  const row = operator.locator(`[data-test=event-row][data-number="${number}"]`)
  await row.waitFor()
  await row.click()
  await operator.locator('[data-test=event-number]').filter({ hasText: number }).waitFor()
  await act(operator, 'accept', 'accepted')
  await act(operator, 'dispatch', 'dispatched', async (dialog) => {
    await dialog.locator('[data-test=step-department]').click()
    await operator.locator(`.el-select-dropdown__item[data-code="${department}"]`).filter({ visible: true }).click()
  })
  await shot(operator, 'event-dispatched')

  // 3. The department signs, starts and reports back with a photo.
  await handler.goto(`${server.base}/department`)
  const queued = handler.locator(`[data-test=event-row][data-number="${number}"]`)
  await queued.waitFor()
  await shot(handler, 'department-queue')
  await openEvent(handler, server, number)
  await act(handler, 'sign', 'signed')
  await act(handler, 'start', 'in_progress')
  await act(handler, 'handle', 'handled', async (dialog) => {
    await field(dialog, 'step-note').fill('已安排环卫车辆清运，现场已清洁')
    await dialog.locator('input[type=file]').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: PHOTO })
    await dialog.locator('[data-test=step-photo]').first().waitFor()
  })

  // 4. The centre verifies and closes, the event on the map of its grid.
  await openEvent(operator, server, number)
  await operator.locator('[data-test=event-map] [data-ready="true"]').waitFor()
  await act(operator, 'verify', 'verified', async (dialog) => {
    await dialog.locator('[data-test=step-passed] [data-value="true"]').click()
  })
  await act(operator, 'close', 'closed')
  await operator.waitForFunction(() => !document.querySelector('.el-message'), null, { timeout: 10_000 })
  const timeline = operator.locator('[data-test=timeline-entry]')
  const actions = await timeline.evaluateAll((items) => items.map((i) => i.getAttribute('data-action')))
  for (const a of ['accept', 'dispatch', 'sign', 'start', 'handle', 'verify', 'close']) {
    assert.ok(actions.includes(a), `the timeline shows ${a}: ${actions}`)
  }
  await shot(operator, 'event-closed')

  // 5. The citizen follows the case and rates it.
  await citizen.goto(`${server.base}/citizen`)
  await field(citizen, 'follow-number').fill(number)
  await citizen.locator('[data-test=follow]').click()
  await citizen.locator('[data-test=case-state][data-state="closed"], [data-test=case-state] [data-state="closed"]').first().waitFor()
  await citizen.locator('[data-test=rate] .el-rate__item').nth(4).click()
  await citizen.locator('[data-test=rate-submit]').click()
  await citizen.locator('[data-test=thanks]').waitFor()
  const rated = await api(citizen, `/events/${number}`)
  assert.equal(rated.state, 'evaluated')
  assert.equal(rated.satisfaction, 5)
  await shot(citizen, 'citizen-rated')

  // The grid worker's phone shows their grid; the administrator sees the
  // demo's users.
  const worker = await signIn(browser, server, 'demo-grid-worker', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  const grid = (await api(worker, '/session')).user.grids[0]
  await worker.locator(`[data-test=grid-card][data-code="${grid}"]`).waitFor()
  await worker.locator('[data-test=pick-map]').waitFor()
  await shot(worker, 'grid-worker')
  const admin = await signIn(browser, server, 'demo-admin')
  await admin.goto(`${server.base}/admin?tab=users`)
  await admin.locator('[data-test=users-table]').filter({ hasText: 'demo-operator' }).waitFor()
  await shot(admin, 'admin-users')

  // 5b. The admin loads a value of the demo index: a bad cell is refused
  //     with its place, a good one loads, and the index computes again.
  await admin.goto(`${server.base}/admin?tab=indices`)
  await admin.locator('[data-test=indices-table]').filter({ hasText: 'hongmian' }).waitFor()
  const csv = (cell) => ({ name: 'values.csv', mimeType: 'text/csv', buffer: Buffer.from(`period,unit,SA0101\n2026Q4,440507001,${cell}\n`) })
  await admin.locator('[data-test=index-values]').setInputFiles(csv('很多'))
  await admin.locator('[data-test=index-error]').filter({ hasText: 'row 2, column SA0101' }).waitFor()
  await admin.locator('[data-test=index-values]').setInputFiles(csv('9.5'))
  await admin.locator('[data-test=index-message]').filter({ hasText: '已导入 1 个数值' }).waitFor()
  await admin.locator('[data-test=index-compute]').click()
  await admin.locator('[data-test=index-message]').filter({ hasText: '已计算 8 个期间' }).waitFor({ timeout: 60_000 })

  // 6. The map shows the city's events; first load timed from navigation.
  const leader = await signIn(browser, server, 'demo-leader')
  const points = leader.waitForResponse((r) => r.url().includes('/api/v1/map/events'))
  const started = Date.now()
  await leader.goto(`${server.base}/map`)
  await leader.locator('[data-test=map][data-ready="true"]').waitFor({ timeout: 60_000 })
  budgets.mapFirstLoadMs = Date.now() - started
  const rows = (await (await points).json()).rows
  assert.ok(rows.some((r) => r[0] === number), "the map's points hold the citizen's report")
  const shown = Number((await leader.locator('[data-test=point-count]').textContent()).replace(/[^\d]/g, ''))
  assert.equal(shown, rows.length, 'the map shows every point it was sent')
  budgets.mapPoints = shown
  await shot(leader, 'map')

  // 7. The big screen counts today's intake, the citizen's report among it.
  const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date())
  await leader.setViewportSize({ width: 1920, height: 1080 })
  await leader.goto(`${server.base}/screen`)
  const kpi = leader.locator('[data-test=kpi-today]')
  await kpi.waitFor()
  const expected = (await api(leader, `/stats/events?from=${today}`)).rows[0]?.count ?? 0
  assert.ok(expected >= 1, "today's intake holds the citizen's report")
  await leader.waitForFunction(
    ([n]) => document.querySelector('[data-test=kpi-today]')?.textContent?.replace(/[^\d]/g, '') === String(n),
    [expected],
  )
  await leader.locator('[data-test=updated-at]').waitFor()
  await leader.waitForTimeout(1500)
  await shot(leader, 'screen')

  // 8. The demo index ranks the towns: the page shows every town the API
  //    ranks, in its order, with the red and black lists.
  await leader.setViewportSize({ width: 1440, height: 900 })
  await leader.goto(`${server.base}/indices?level=town`)
  const towns = (await api(leader, '/indices/hongmian/scores?level=town')).rows
  assert.equal(towns.length, 67, "the demo index ranks Shantou's 67 towns")
  const table = leader.locator('[data-test=index-table]')
  await table.locator('[data-test=index-region]').nth(towns.length - 1).waitFor()
  assert.equal(await table.locator('[data-test=index-region]').count(), towns.length, 'every ranked town is listed')
  assert.equal(await table.locator('[data-test=index-region]').first().textContent(), towns[0].name, 'best first')
  assert.equal(await table.locator('[data-test=index-score]').first().textContent(), towns[0].score.toFixed(2))
  const lists = await api(leader, '/indices/hongmian/lists?level=town&n=5')
  await leader.locator('[data-test=index-black]').filter({ hasText: lists.black[0].name }).waitFor()
  await table.locator('.el-loading-mask').waitFor({ state: 'hidden' })
  await shot(leader, 'indices')
  return budgets
}
