// What the event queue pages (the department desk and the command centre's
// workbench) share: criteria kept in the address, one page of events loaded
// for them with the newest load winning, and a refresh each minute while
// the page is shown.

import { onBeforeUnmount, ref, watch, type Ref } from 'vue'
import { useRoute, useRouter, type LocationQuery } from 'vue-router'
import { ApiError } from './api'
import type { EventPage } from './types'

/** The page sizes a queue offers. */
export const PAGE_SIZES = [20, 50, 100]

/** How long a queue is shown before it loads itself again, in milliseconds. */
const REFRESH_MS = 60_000
/** How often the SLA clocks tick, in milliseconds. */
const TICK_MS = 15_000

/** The page and page size of a queue's criteria. */
export interface PageCriteria {
  page: number
  size: number
}

/** The value of `key` in an address's query when it is given once, else ''. */
export function queryText(q: LocationQuery, key: string): string {
  const v = q[key]
  return typeof v === 'string' ? v : ''
}

/** `raw` as a whole number of at least 1 (one of `allowed` when given), else `fallback`. */
export function wholeNumber(raw: string, fallback: number, allowed?: number[]): number {
  const n = Number(raw)
  return Number.isInteger(n) && n >= 1 && (!allowed || allowed.includes(n)) ? n : fallback
}

/** The criteria a page keeps in its address, and the way to change them. */
export interface AddressCriteria<C> {
  criteria: Ref<C>
  /** Changes the criteria through the address (back to the first page unless `patch` names one); `changed` follows. */
  update: (patch: Partial<C>) => void
}

/**
 * The criteria of the page on route `route`, read from its address with
 * `fromQuery` and written back with `toQuery`; `changed` is called each time
 * the address gives new ones.
 */
export function useAddressCriteria<C extends PageCriteria>(options: {
  route: string
  fromQuery: (q: LocationQuery) => C
  toQuery: (c: C) => Record<string, string>
  changed: () => void
}): AddressCriteria<C> {
  const route = useRoute()
  const router = useRouter()
  const criteria = ref(options.fromQuery(route.query)) as Ref<C>

  function update(patch: Partial<C>): void {
    const next = { ...criteria.value, ...patch }
    if (!('page' in patch)) next.page = 1
    void router.replace({ query: options.toQuery(next) })
  }

  watch(
    () => route.query,
    (q) => {
      if (route.name !== options.route) return
      criteria.value = options.fromQuery(q)
      options.changed()
    },
  )
  return { criteria, update }
}

/** One page of a queue's events and the state of its loading. */
export interface EventQueue {
  events: Ref<EventPage>
  loading: Ref<boolean>
  /** Why the last load failed, localized; '' once one succeeds. */
  error: Ref<string>
  /** The local time the page shown was loaded. */
  updatedAt: Ref<string>
  /** The time the SLA clocks show, in milliseconds; ticks once started. */
  now: Ref<number>
  /**
   * Loads the page of the current criteria. Resolves to a check that this
   * load is still the newest, or to null when its answer was dropped: a newer
   * load overtook it, or the page lay past the end and the last one is asked
   * for instead.
   */
  load: () => Promise<(() => boolean) | null>
  /**
   * Ticks `now`, and calls `refresh` once a minute has passed since the last
   * load while the page is shown, nothing loads and `busy` says no; stops
   * when the page is left.
   */
  startTicking: (refresh: () => void, busy?: () => boolean) => void
}

/**
 * A queue's page of events for `criteria`, asked for with `fetch`; a page
 * past the end goes to the last one through `goToPage`, and `received` is
 * called as each page is shown.
 */
export function useEventQueue<C extends PageCriteria>(options: {
  criteria: Ref<C>
  locale: Ref<string>
  fetch: (c: C) => Promise<EventPage>
  goToPage: (page: number) => void
  received?: () => void
}): EventQueue {
  const events = ref<EventPage>({ items: [], total: 0, page: 1, page_size: options.criteria.value.size })
  const loading = ref(false)
  const error = ref('')
  const updatedAt = ref('')
  const now = ref(Date.now())

  let serial = 0
  let loadedAt = 0

  async function load(): Promise<(() => boolean) | null> {
    const mine = ++serial
    const newest = () => mine === serial
    loadedAt = Date.now()
    const c = options.criteria.value
    loading.value = true
    try {
      const page = await options.fetch(c)
      if (!newest()) return null
      if (!page.items.length && page.total > 0 && c.page > 1) {
        options.goToPage(Math.ceil(page.total / c.size))
        return null
      }
      events.value = page
      options.received?.()
      error.value = ''
      updatedAt.value = new Date().toLocaleTimeString(options.locale.value)
    } catch (e) {
      if (newest()) error.value = e instanceof ApiError ? e.localized(options.locale.value) : String(e)
    } finally {
      if (newest()) loading.value = false
    }
    return newest
  }

  let ticker: ReturnType<typeof setInterval> | undefined

  function startTicking(refresh: () => void, busy: () => boolean = () => false): void {
    ticker = setInterval(() => {
      now.value = Date.now()
      const idle = !document.hidden && !loading.value && !busy()
      if (idle && now.value - loadedAt >= REFRESH_MS) refresh()
    }, TICK_MS)
  }

  onBeforeUnmount(() => clearInterval(ticker))
  return { events, loading, error, updatedAt, now, load, startTicking }
}
