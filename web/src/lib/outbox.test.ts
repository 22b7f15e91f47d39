import { describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import { ApiError } from './api'
import { Outbox, backoff, memoryStorage, newKey, verdictOf, type OutboxDraft, type OutboxTransport } from './outbox'
import type { Reported, ReportBody } from './report'
import type { EventView } from './types'

const body: ReportBody = { category: '0101', title: '垃圾满溢', description: '', address: '人民路 1 号', urgency: 'normal' }

function event(number: string, allowed: string[] = [], version = 1): EventView {
  return { number, version, state: 'reported', allowed_actions: allowed } as unknown as EventView
}

const networkDown = () => new ApiError(0, 'network', '网络不可用', 'The network is unavailable')

interface Call {
  body: ReportBody
  key: string
}

/**
 * A server that keeps idempotency keys as gongzhi does: the same key is
 * answered with the event first created. `script` decides, call by call,
 * whether the answer is lost (after the event was created), or what error
 * is thrown instead.
 */
function fakeServer(script: Array<'ok' | 'lost' | ApiError> = []) {
  const calls: Call[] = []
  const created = new Map<string, EventView>()
  const uploads: Blob[] = []
  const steps: Array<{ number: string; step: Record<string, unknown> }> = []
  let allowed: string[] = []
  const transport: OutboxTransport = {
    async upload(photo) {
      uploads.push(photo)
      return `sha256-of-${await photo.text()}`
    },
    async report(b, key) {
      calls.push({ body: b, key })
      const fate = script.shift() ?? 'ok'
      if (fate instanceof ApiError) throw fate
      const first = created.get(key)
      const e = first ?? event(`2026-${String(created.size + 1).padStart(6, '0')}`, allowed)
      created.set(key, e)
      if (fate === 'lost') throw networkDown()
      return { event: e, duplicates: [] } satisfies Reported
    },
    async act(number, step) {
      steps.push({ number, step })
      for (const [key, e] of created) if (e.number === number) created.set(key, { ...e, version: e.version + 1, allowed_actions: [] })
      return event(number, [], 2)
    },
  }
  return { transport, calls, created, uploads, steps, allow: (a: string[]) => (allowed = a) }
}

function setup(transport: OutboxTransport, clock = { t: 1_000_000 }) {
  const storage = memoryStorage()
  const outbox = new Outbox(storage, transport, { now: () => clock.t, backoff: () => 60_000 })
  return { storage, outbox, clock }
}

const draft = (extra: Partial<OutboxDraft> = {}): OutboxDraft => ({ body, photos: [], ...extra })

describe('Outbox', () => {
  it('gives each report its own key when queued and sends it with that key', async () => {
    const server = fakeServer()
    const { outbox } = setup(server.transport)
    const a = await outbox.add('u1', draft())
    const b = await outbox.add('u1', draft())
    expect(a.key).not.toBe(b.key)
    await outbox.flush('u1')
    expect(server.calls.map((c) => c.key).sort()).toEqual([a.key, b.key].sort())
    expect(await outbox.items('u1')).toEqual([])
  })

  it('keeps the same key across retries, and waits before retrying', async () => {
    const server = fakeServer([networkDown(), new ApiError(503, 'unavailable', '', ''), 'ok'])
    const { outbox, clock } = setup(server.transport)
    const item = await outbox.add('u1', draft())

    const first = await outbox.send(item.key)
    expect(first.state).toBe('pending')
    expect(await outbox.flush('u1')).toEqual([])
    clock.t += 60_000
    expect((await outbox.flush('u1'))[0].state).toBe('pending')
    const [third] = await outbox.flush('u1', true)

    expect(third.state).toBe('sent')
    expect(server.calls.map((c) => c.key)).toEqual([item.key, item.key, item.key])
    expect(server.calls.map((c) => JSON.stringify(c.body))).toEqual(Array(3).fill(JSON.stringify({ ...body, attachments: [] })))
    expect(await outbox.items('u1')).toEqual([])
  })

  it('removes a report the server answers with a replay of the event first created', async () => {
    const server = fakeServer(['lost', 'ok'])
    const { outbox } = setup(server.transport)
    const item = await outbox.add('u1', draft())

    const lost = await outbox.send(item.key)
    expect(lost.state).toBe('pending')
    expect(server.created.size).toBe(1)

    const replayed = await outbox.flush('u1', true)
    expect(replayed[0].state).toBe('sent')
    expect(replayed[0].state === 'sent' && replayed[0].event.number).toBe('2026-000001')
    expect(server.created.size).toBe(1)
    expect(await outbox.items('u1')).toEqual([])
  })

  it('keeps a refused report with its error, never sends it again, and forgets it when discarded', async () => {
    const refusal = new ApiError(422, 'invalid', '分类不存在', 'no such category')
    const server = fakeServer([refusal])
    const { outbox } = setup(server.transport)
    const item = await outbox.add('u1', draft())

    const outcome = await outbox.send(item.key)
    expect(outcome.state).toBe('refused')
    const [kept] = await outbox.items('u1')
    expect(kept.refused).toBe(true)
    expect(kept.error).toEqual({ status: 422, code: 'invalid', zh: '分类不存在', en: 'no such category' })

    await outbox.flush('u1', true)
    expect(server.calls).toHaveLength(1)

    await outbox.discard(item.key)
    expect(await outbox.items('u1')).toEqual([])
  })

  it('does not send a report twice when two flushes run at once', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const server = fakeServer()
    const slow: OutboxTransport = {
      ...server.transport,
      report: async (b, key) => {
        await gate
        return server.transport.report(b, key)
      },
    }
    const { outbox } = setup(slow)
    await outbox.add('u1', draft())
    await outbox.add('u1', draft())

    const one = outbox.flush('u1', true)
    const two = outbox.flush('u1', true)
    const three = outbox.flush('u1', true)
    release()
    await Promise.all([one, two, three])

    expect(server.calls).toHaveLength(2)
    expect(new Set(server.calls.map((c) => c.key)).size).toBe(2)
    expect(await outbox.items('u1')).toEqual([])
  })

  it('does not send again a report another flush sent after this one listed it', async () => {
    const server = fakeServer()
    const { outbox, storage } = setup(server.transport)
    const item = await outbox.add('u1', draft())
    const listed = await storage.list()
    await outbox.send(item.key)
    const late = await Promise.all(listed.map((i) => outbox.send(i.key)))
    expect(late).toEqual([{ state: 'gone', key: item.key }])
    expect(server.calls).toHaveLength(1)
  })

  it('uploads photos first, once, and cites them in the report', async () => {
    const server = fakeServer([networkDown(), 'ok'])
    const { outbox } = setup(server.transport)
    const item = await outbox.add('u1', draft({ photos: [new Blob(['a']), new Blob(['b'])] }))

    await outbox.send(item.key)
    await outbox.flush('u1', true)

    expect(server.uploads).toHaveLength(2)
    expect(server.calls[1].body.attachments).toEqual(['sha256-of-a', 'sha256-of-b'])
    expect(server.calls[0].body).toEqual(server.calls[1].body)
  })

  it('retries a report whose photo upload failed on the network', async () => {
    const server = fakeServer()
    let fail = true
    const flaky: OutboxTransport = {
      ...server.transport,
      upload: async (photo) => {
        if (fail) throw networkDown()
        return server.transport.upload(photo)
      },
    }
    const { outbox } = setup(flaky)
    const item = await outbox.add('u1', draft({ photos: [new Blob(['a'])] }))
    expect((await outbox.send(item.key)).state).toBe('pending')
    expect(server.calls).toHaveLength(0)
    fail = false
    expect((await outbox.flush('u1', true))[0].state).toBe('sent')
  })

  it('takes the follow-up step once, while the event allows it', async () => {
    const server = fakeServer()
    server.allow(['resolve_on_spot', 'accept'])
    let lose = true
    const lossy: OutboxTransport = {
      ...server.transport,
      act: async (number, step) => {
        const answer = await server.transport.act(number, step)
        if (lose) {
          lose = false
          throw networkDown()
        }
        return answer
      },
    }
    const { outbox } = setup(lossy)
    const item = await outbox.add('u1', draft({ followUp: { action: 'resolve_on_spot', note: '已清理' } }))

    const first = await outbox.send(item.key)
    expect(first.state).toBe('pending')
    expect(first.state === 'pending' && first.item.number).toBe('2026-000001')

    const second = await outbox.flush('u1', true)
    expect(second[0].state).toBe('sent')
    expect(server.steps).toHaveLength(1)
    expect(server.steps[0].step).toEqual({ action: 'resolve_on_spot', note: '已清理', attachments: [], expected_version: 1 })
  })

  it('keeps a report whose follow-up is refused, with the number of the event created', async () => {
    const server = fakeServer()
    server.allow(['resolve_on_spot'])
    const refusing: OutboxTransport = {
      ...server.transport,
      act: async () => {
        throw new ApiError(409, 'conflict', '版本已变', 'version changed')
      },
    }
    const { outbox } = setup(refusing)
    const item = await outbox.add('u1', draft({ followUp: { action: 'resolve_on_spot', note: '' } }))
    const outcome = await outbox.send(item.key)
    expect(outcome.state).toBe('refused')
    expect(outcome.state === 'refused' && outcome.item.number).toBe('2026-000001')
  })

  it('retries when the answer is not a report (a proxy page answered 200)', async () => {
    const server = fakeServer()
    const portal: OutboxTransport = { ...server.transport, report: async () => '<html>login</html>' as unknown as Reported }
    const { outbox } = setup(portal)
    const item = await outbox.add('u1', draft())
    expect((await outbox.send(item.key)).state).toBe('pending')
    expect(await outbox.items('u1')).toHaveLength(1)
  })

  it('keeps a plain copy of what a form gives it, reactive photos included', async () => {
    const server = fakeServer()
    const { outbox } = setup(server.transport)
    const form = reactive({ body: { ...body, location: { lng: 116.7, lat: 23.36, crs: 'wgs84' as const } }, photos: [new Blob(['a'])] })
    const item = await outbox.add('u1', { body: form.body, photos: form.photos })
    form.body.title = 'changed after queueing'
    expect((await outbox.flush('u1'))[0].state).toBe('sent')
    expect(server.calls[0].body.title).toBe(body.title)
    expect(server.calls[0].key).toBe(item.key)
    expect(server.uploads).toHaveLength(1)
  })

  it("sends only the signed-in user's reports", async () => {
    const server = fakeServer()
    const { outbox } = setup(server.transport)
    await outbox.add('u1', draft())
    const other = await outbox.add('u2', draft())
    await outbox.flush('u1', true)
    expect(server.calls).toHaveLength(1)
    expect((await outbox.items('u2')).map((i) => i.key)).toEqual([other.key])
  })
})

describe('verdictOf', () => {
  it('retries network errors, timeouts, rate limits, sign-outs and server errors', () => {
    for (const status of [0, 401, 408, 429, 500, 502, 503]) expect(verdictOf(new ApiError(status, 'x', '', ''))).toBe('retry')
    expect(verdictOf(new TypeError('failed to fetch'))).toBe('retry')
  })
  it('takes any other 4xx as a refusal', () => {
    for (const status of [400, 403, 404, 409, 413, 415, 422]) expect(verdictOf(new ApiError(status, 'x', '', ''))).toBe('refuse')
  })
})

describe('backoff', () => {
  it('doubles from 5 s up to 10 min, within ±20%', () => {
    expect(backoff(1, () => 0.5)).toBe(5000)
    expect(backoff(2, () => 0.5)).toBe(10000)
    expect(backoff(30, () => 0.5)).toBe(600000)
    expect(backoff(1, () => 0)).toBe(4000)
    expect(backoff(1, () => 1)).toBe(6000)
  })
})

describe('newKey', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

  it('is a random v4 UUID', () => {
    const key = newKey()
    expect(key).toMatch(UUID)
    expect(newKey()).not.toBe(key)
  })

  it('is one too where crypto.randomUUID is missing (plain HTTP)', () => {
    const own = Object.getOwnPropertyDescriptor(crypto, 'randomUUID')
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true })
    try {
      expect(typeof crypto.randomUUID).toBe('undefined')
      const key = newKey()
      expect(key).toMatch(UUID)
      expect(newKey()).not.toBe(key)
    } finally {
      if (own) Object.defineProperty(crypto, 'randomUUID', own)
      else Reflect.deleteProperty(crypto, 'randomUUID')
    }
    expect(typeof crypto.randomUUID).toBe('function')
  })
})
