// The big screen's figures: numbers and rates as a wall shows them, the
// daily series, the category mix, the rankings by closure rate, and the fit
// of the fixed 1920×1080 stage into whatever window it is shown in.

import type { StatsRow } from './types'
import { daysBetween } from './mapperiod'

/** The stage the screen is laid out on; it is scaled to fit the window, never reflowed. */
export const STAGE = { width: 1920, height: 1080 } as const

/** How the stage sits in a window: scaled uniformly and centred, letterboxed where the shapes differ. */
export interface StageFit {
  scale: number
  left: number
  top: number
}

/** The scale and offset that fit the 16:9 stage into a `width`×`height` window. */
export function fitStage(width: number, height: number): StageFit {
  const scale = Math.max(0.1, Math.min(width / STAGE.width, height / STAGE.height))
  return { scale, left: (width - STAGE.width * scale) / 2, top: (height - STAGE.height * scale) / 2 }
}

/** A rate in percent with one decimal, or '—' when there is none (nothing due, nothing rated). */
export function formatRate(rate: number | null | undefined): string {
  return typeof rate === 'number' && Number.isFinite(rate) ? `${rate.toFixed(1)}%` : '—'
}

/** A count as a plain whole number, or '—' before it is known. */
export function formatCount(count: number | null | undefined): string {
  return typeof count === 'number' && Number.isFinite(count) ? String(Math.round(count)) : '—'
}

/** Events counted by statistics answered without groups (one row, or none when nothing matched). */
export function totalCount(rows: StatsRow[]): number {
  return rows.reduce((n, r) => n + r.count, 0)
}

/** Events reported each day, and how many of them are closed now. */
export interface DailySeries {
  days: string[]
  reported: number[]
  closed: number[]
}

/**
 * The daily series of statistics grouped by `day`, one entry for every day
 * from `first` to `last` so days without reports show as zero, not as gaps.
 */
export function dailySeries(rows: StatsRow[], first: string, last: string): DailySeries {
  const days = daysBetween(first, last)
  const byDay = new Map<string, StatsRow>()
  for (const r of rows) {
    const day = r.keys.day
    if (day) byDay.set(day, r)
  }
  return {
    days,
    reported: days.map((d) => byDay.get(d)?.count ?? 0),
    closed: days.map((d) => byDay.get(d)?.rates.closed ?? 0),
  }
}

/** A region in a ranking. */
export interface RankItem {
  code: string
  name: string
  closure: number
  onTime: number | null
  due: number
  count: number
}

/**
 * Regions of statistics grouped by `region:<level>`, best 结案率 first (then
 * 按期结案率, then the most due), at most `limit`. Regions with nothing due
 * have no rate and are left out rather than ranked as zero.
 */
export function rankRegions(rows: StatsRow[], nameOf: (code: string) => string | undefined, limit: number): RankItem[] {
  const items: RankItem[] = []
  for (const r of rows) {
    const code = r.keys.region
    const closure = r.rates.closure_rate
    if (!code || typeof closure !== 'number') continue
    items.push({ code, name: nameOf(code) ?? code, closure, onTime: r.rates.on_time_rate ?? null, due: r.rates.due, count: r.count })
  }
  items.sort((a, b) => b.closure - a.closure || (b.onTime ?? -1) - (a.onTime ?? -1) || b.due - a.due || a.code.localeCompare(b.code))
  return items.slice(0, limit)
}

/** A slice of the category mix. */
export interface MixItem {
  /** The class code; '' for events without a class and for the folded rest. */
  code: string
  name: string
  value: number
}

/**
 * The mix of statistics grouped by `class`, largest first, in at most `top`
 * slices: when there are more, the `top - 1` largest classes and one
 * `otherName` slice for the rest (events without a class included), so a
 * pie stays readable on a wall.
 */
export function classMix(rows: StatsRow[], nameOf: (code: string) => string, top: number, otherName: string): MixItem[] {
  const named: MixItem[] = []
  let unclassed = 0
  for (const r of rows) {
    if (r.count <= 0) continue
    if (r.keys.class) named.push({ code: r.keys.class, name: nameOf(r.keys.class), value: r.count })
    else unclassed += r.count
  }
  named.sort((a, b) => b.value - a.value || a.code.localeCompare(b.code))
  const fits = named.length + (unclassed > 0 ? 1 : 0) <= top
  const kept = fits ? named : named.slice(0, Math.max(0, top - 1))
  const rest = unclassed + named.slice(kept.length).reduce((n, i) => n + i.value, 0)
  return rest > 0 ? [...kept, { code: '', name: otherName, value: rest }] : kept
}
