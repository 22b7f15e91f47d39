// The outbox: every report made on a phone is first kept on the device
// (IndexedDB, photos as Blobs), then sent, and kept until the server has
// answered 2xx, so that a report made without network goes out when the
// phone is back online, and goes out exactly once:
//
// - each report gets its Idempotency-Key when it is queued and keeps it
//   across retries, so a retry whose first answer was lost is answered
//   with the event first created (a replay) and creates no other;
// - photos go first, each named by the SHA-256 of its bytes on the server,
//   so sending one twice stores it once;
// - within the page, one report is never being sent twice at once;
// - a follow-up step (a grid worker's "resolved on the spot") is taken only
//   while the event, as the server answers it, still allows it.
//
// A 4xx other than 408 and 429 is a refusal: the report stays, with its
// error, for the user to read and discard. Network errors, 5xx, 408, 429
// and 401 (signed out: sent after the next sign-in) are retried, on the
// 'online' event and on a timer with backoff.
//
// The queue logic (`Outbox`) takes its storage and transport as arguments
// and is tested without IndexedDB or network; `useOutbox` wires it to
// IndexedDB, the API and the browser's events for the pages.

import { createStore, del, get as readItem, set as writeItem, values } from 'idb-keyval'
import { computed, onScopeDispose, shallowRef, watch, type ComputedRef } from 'vue'
import { ApiError, post } from './api'
import { uploadPhoto } from './photos'
import { session } from './session'
import type { Reported, ReportBody } from './report'
import type { EventView } from './types'

/** A step to take once the event exists, when the event still allows it. */
export interface FollowUp {
  action: 'resolve_on_spot'
  note: string
}

/** What a page asks the outbox to send. */
export interface OutboxDraft {
  body: ReportBody
  photos: Blob[]
  followUp?: FollowUp
}

/** An error as kept with a report: the status and both languages' messages. */
export interface Failure {
  status: number
  code: string
  zh: string
  en: string
}

/** A report kept on the device until the server has it. */
export interface QueuedReport {
  /** The Idempotency-Key, fixed when queued; also the storage key. */
  key: string
  /** Who queued it: only their session sends it. */
  owner: string
  body: ReportBody
  photos: Blob[]
  /** Photo identifiers once uploaded, in the order of `photos`. */
  attachments: string[] | null
  followUp: FollowUp | null
  /** When it was queued (ms since the epoch). */
  queuedAt: number
  attempts: number
  /** The earliest time of the next automatic attempt (ms since the epoch). */
  nextAt: number
  /** The event's number once the server has created it (a follow-up may still be due). */
  number: string | null
  /** The last error, if any. */
  error: Failure | null
  /** Refused for good: never sent again; the user discards it. */
  refused: boolean
}

/** Where queued reports are kept. */
export interface OutboxStorage {
  list(): Promise<QueuedReport[]>
  load(key: string): Promise<QueuedReport | undefined>
  save(item: QueuedReport): Promise<void>
  remove(key: string): Promise<void>
}

/** How queued reports reach the server; failures are thrown (as `ApiError`). */
export interface OutboxTransport {
  upload(photo: Blob): Promise<string>
  report(body: ReportBody, idempotencyKey: string): Promise<Reported>
  act(number: string, step: Record<string, unknown>): Promise<EventView>
}

/** What became of one attempt to send a report. */
export type SendOutcome =
  | { state: 'sent'; item: QueuedReport; reported: Reported; event: EventView }
  | { state: 'pending'; item: QueuedReport }
  | { state: 'refused'; item: QueuedReport }
  | { state: 'gone'; key: string }

/** Options of an {@link Outbox}. */
export interface OutboxOptions {
  /** The clock (ms since the epoch). */
  now?: () => number
  /** The wait before attempt `attempts + 1`, in ms. */
  backoff?: (attempts: number) => number
  /** Told whenever the stored items or the items being sent change. */
  onChange?: () => void
}

/** Whether an error is worth retrying ('retry') or a refusal for good ('refuse'). */
export function verdictOf(error: unknown): 'retry' | 'refuse' {
  if (!(error instanceof ApiError)) return 'retry'
  const s = error.status
  if (s === 0 || s === 401 || s === 408 || s === 429 || s >= 500) return 'retry'
  return s >= 400 ? 'refuse' : 'retry'
}

/** An error as kept with a report. */
export function failureOf(error: unknown): Failure {
  if (error instanceof ApiError) return { status: error.status, code: error.code, zh: error.messageZh, en: error.messageEn }
  const text = error instanceof Error ? error.message : String(error)
  return { status: 0, code: 'client', zh: text, en: text }
}

/** The message of a kept error in `locale`. */
export function failureText(failure: Failure, locale: string): string {
  return locale.startsWith('zh') ? failure.zh || failure.en : failure.en || failure.zh
}

const BACKOFF_BASE_MS = 5000
const BACKOFF_MAX_MS = 10 * 60 * 1000

/** 5 s, 10 s, 20 s … at most 10 min, each ±20% so that phones back online together do not retry together. */
export function backoff(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1))
  return Math.round(base * (0.8 + 0.4 * random()))
}

/** A new Idempotency-Key: a random UUID, also where `crypto.randomUUID` is missing (plain-HTTP intranets). */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The body sent for `item`: the same bytes on every retry. */
function bodyOf(item: QueuedReport): ReportBody {
  return { ...item.body, attachments: item.attachments ?? [] }
}

/** `answer` if it is a report's answer; anything else (a proxy's page) is retried, not taken as sent. */
function checked(answer: unknown): Reported {
  const a = answer as Partial<Reported> | null
  if (!a || typeof a !== 'object' || !a.event || typeof a.event.number !== 'string') {
    throw new Error('the server answered without an event')
  }
  return { event: a.event, duplicates: Array.isArray(a.duplicates) ? a.duplicates : [] }
}

/** The queue of reports: see the module documentation. */
export class Outbox {
  private readonly sending = new Map<string, Promise<SendOutcome>>()
  private readonly now: () => number
  private readonly wait: (attempts: number) => number
  private readonly onChange: () => void

  constructor(
    private readonly storage: OutboxStorage,
    private readonly transport: OutboxTransport,
    options: OutboxOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.wait = options.backoff ?? ((n) => backoff(n))
    this.onChange = options.onChange ?? (() => undefined)
  }

  /**
   * Keeps a new report of `owner` with a fresh Idempotency-Key; nothing is
   * sent yet. What is kept is a plain copy (a form's reactive data cannot
   * be stored, and must not change the report once queued).
   */
  async add(owner: string, draft: OutboxDraft): Promise<QueuedReport> {
    const now = this.now()
    const item: QueuedReport = {
      key: newKey(),
      owner,
      body: JSON.parse(JSON.stringify(draft.body)) as ReportBody,
      photos: [...draft.photos],
      attachments: draft.photos.length === 0 ? [] : null,
      followUp: draft.followUp ? { ...draft.followUp } : null,
      queuedAt: now,
      attempts: 0,
      nextAt: now,
      number: null,
      error: null,
      refused: false,
    }
    await this.storage.save(item)
    this.onChange()
    return item
  }

  /** The reports `owner` has queued, oldest first. */
  async items(owner: string): Promise<QueuedReport[]> {
    const all = await this.storage.list()
    return all.filter((i) => i.owner === owner).sort((a, b) => a.queuedAt - b.queuedAt)
  }

  /** Whether the report `key` is being sent now. */
  isSending(key: string): boolean {
    return this.sending.has(key)
  }

  /** Sends the report `key` now; while it is being sent, another call waits for the same attempt. */
  send(key: string): Promise<SendOutcome> {
    const running = this.sending.get(key)
    if (running) return running
    const attempt = this.attempt(key).finally(() => {
      this.sending.delete(key)
      this.onChange()
    })
    this.sending.set(key, attempt)
    this.onChange()
    return attempt
  }

  /**
   * Sends, one after the other, the reports of `owner` that are due (all
   * but the refused ones when `force`, as when the phone is back online).
   */
  async flush(owner: string, force = false): Promise<SendOutcome[]> {
    const now = this.now()
    const due = (await this.items(owner)).filter((i) => !i.refused && (force || i.nextAt <= now))
    const outcomes: SendOutcome[] = []
    for (const item of due) outcomes.push(await this.send(item.key))
    return outcomes
  }

  /** Forgets the report `key` (once refused, or sent by other means). */
  async discard(key: string): Promise<void> {
    await this.sending.get(key)?.catch(() => undefined)
    await this.storage.remove(key)
    this.onChange()
  }

  /** The earliest time a report of `owner` is due again, if any waits. */
  async nextDue(owner: string): Promise<number | null> {
    const waiting = (await this.items(owner)).filter((i) => !i.refused)
    return waiting.length === 0 ? null : Math.min(...waiting.map((i) => i.nextAt))
  }

  /** One attempt: photos, the report, its follow-up; the item is read afresh so that a report already sent is not sent again. */
  private async attempt(key: string): Promise<SendOutcome> {
    let item = await this.storage.load(key)
    if (!item) return { state: 'gone', key }
    if (item.refused) return { state: 'refused', item }
    try {
      if (item.attachments === null) {
        const ids: string[] = []
        for (const photo of item.photos) ids.push(await this.transport.upload(photo))
        item = { ...item, attachments: ids }
        await this.storage.save(item)
      }
      const reported = checked(await this.transport.report(bodyOf(item), item.key))
      item = { ...item, number: reported.event.number }
      const event = await this.followUp(item, reported.event)
      await this.storage.remove(key)
      return { state: 'sent', item, reported, event }
    } catch (e) {
      return this.failed(item, e)
    }
  }

  /** Takes the follow-up step when the event still allows it; the event as it stands after. */
  private async followUp(item: QueuedReport, event: EventView): Promise<EventView> {
    const step = item.followUp
    if (!step || !event.allowed_actions.includes(step.action)) return event
    return this.transport.act(event.number, {
      action: step.action,
      note: step.note,
      attachments: item.attachments ?? [],
      expected_version: event.version,
    })
  }

  private async failed(item: QueuedReport, error: unknown): Promise<SendOutcome> {
    const refused = verdictOf(error) === 'refuse'
    const attempts = item.attempts + 1
    const next: QueuedReport = {
      ...item,
      attempts,
      error: failureOf(error),
      refused,
      nextAt: refused ? item.nextAt : this.now() + this.wait(attempts),
    }
    await this.storage.save(next)
    return { state: refused ? 'refused' : 'pending', item: next }
  }
}

// ---------------------------------------------------------------------------
// The browser: IndexedDB, the API, the 'online' event and a timer
// ---------------------------------------------------------------------------

/** Queued reports in IndexedDB (database `gongzhi-outbox`). */
export function indexedDbStorage(): OutboxStorage {
  const store = createStore('gongzhi-outbox', 'reports')
  return {
    list: () => values<QueuedReport>(store),
    load: (key) => readItem<QueuedReport>(key, store),
    save: (item) => writeItem(item.key, item, store),
    remove: (key) => del(key, store),
  }
}

/**
 * Queued reports in memory, copied in and out as IndexedDB does: for
 * tests, and for browsers without IndexedDB (kept until the page closes).
 */
export function memoryStorage(): OutboxStorage {
  const items = new Map<string, QueuedReport>()
  return {
    list: async () => [...items.values()].map((i) => structuredClone(i)),
    load: async (key) => {
      const item = items.get(key)
      return item && structuredClone(item)
    },
    save: async (item) => {
      items.set(item.key, structuredClone(item))
    },
    remove: async (key) => {
      items.delete(key)
    },
  }
}

/** The API of gongzhi as the outbox uses it. */
export const apiTransport: OutboxTransport = {
  upload: uploadPhoto,
  report: (body, idempotencyKey) => post<Reported>('/events', body, { idempotencyKey }),
  act: (number, step) => post<EventView>(`/events/${encodeURIComponent(number)}/actions`, step),
}

/** A queued report as a page shows it. */
export interface OutboxEntry {
  item: QueuedReport
  sending: boolean
}

/** What `useOutbox` gives a page. */
export interface OutboxHandle {
  /** The signed-in user's queued reports, oldest first. */
  entries: ComputedRef<OutboxEntry[]>
  /** Keeps a report and sends it at once; refused at once, it is not kept (the form shows why). */
  submit(draft: OutboxDraft): Promise<SendOutcome>
  /** Sends every queued report now. */
  flush(): Promise<void>
  /** Forgets a queued report. */
  discard(key: string): Promise<void>
}

const entries = shallowRef<OutboxEntry[]>([])
const sentListeners = new Set<(outcome: Extract<SendOutcome, { state: 'sent' }>) => void>()
let shared: Outbox | null = null
let timer: ReturnType<typeof setTimeout> | undefined
let refreshes = 0

function owner(): string | null {
  return session.user?.id ?? null
}

/** Rereads the entries; of refreshes that overlap, the last one started wins. */
async function refresh(): Promise<void> {
  const seq = ++refreshes
  const who = owner()
  const outbox = shared
  const items = outbox && who ? await outbox.items(who).catch(() => entries.value.map((e) => e.item)) : []
  if (seq !== refreshes) return
  entries.value = items.map((item) => ({ item, sending: outbox?.isSending(item.key) ?? false }))
}

function announce(outcomes: SendOutcome[]): void {
  for (const o of outcomes) if (o.state === 'sent') sentListeners.forEach((listen) => listen(o))
}

async function schedule(): Promise<void> {
  clearTimeout(timer)
  const who = owner()
  if (!shared || !who) return
  const due = await shared.nextDue(who)
  if (due !== null) timer = setTimeout(() => void flushAll(false), Math.max(1000, due - Date.now()))
}

async function flushAll(force: boolean): Promise<void> {
  const who = owner()
  if (!shared || !who) return
  try {
    announce(await shared.flush(who, force).catch(() => []))
  } finally {
    await schedule()
  }
}

function start(): Outbox {
  if (shared) return shared
  const storage = typeof indexedDB === 'undefined' ? memoryStorage() : indexedDbStorage()
  shared = new Outbox(storage, apiTransport, { onChange: () => void refresh() })
  window.addEventListener('online', () => void flushAll(true))
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void flushAll(false)
  })
  // On start and at each sign-in (reports refused with a 401 wait for it), everything waiting is sent.
  watch(
    () => session.user?.id,
    () => void refresh().then(() => flushAll(true)),
    { immediate: true },
  )
  return shared
}

/**
 * The outbox of the signed-in user, for a page: its entries, and sending.
 * Started on first use, it keeps sending in the background while the app
 * is open; `onSent` hears of each report sent from the queue while the
 * calling component lives.
 */
export function useOutbox(onSent?: (outcome: Extract<SendOutcome, { state: 'sent' }>) => void): OutboxHandle {
  const outbox = start()
  if (onSent) {
    sentListeners.add(onSent)
    onScopeDispose(() => sentListeners.delete(onSent))
  }
  void refresh()
  return {
    entries: computed(() => entries.value),
    async submit(draft) {
      const who = owner()
      if (!who) throw new ApiError(401, 'unauthenticated', '请先登录', 'Sign in first')
      const item = await outbox.add(who, draft)
      const outcome = await outbox.send(item.key)
      if (outcome.state === 'refused') await outbox.discard(item.key)
      else if (outcome.state === 'pending') await schedule()
      return outcome
    },
    flush: () => flushAll(true),
    discard: (key) => outbox.discard(key),
  }
}
