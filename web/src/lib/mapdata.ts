// The map's data: the answers of `/map/regions` and `/map/events` and the
// GeoJSON the map draws from them, with the region tree's levels, the
// breadcrumb and the catalogue's names. Pure functions, no map library.

import type { Feature, FeatureCollection, Geometry, MultiPolygon, Point, Polygon } from 'geojson'
import type { RegionRef } from './types'

/** A region's warning level, as the server judges it. */
export type Warning = 'green' | 'yellow' | 'red'

/** An event's SLA colour on the map; `none` where no clock runs (closed, suspended). */
export type PointColour = 'green' | 'yellow' | 'red' | 'none'

/** Someone assigned to a grid. */
export interface Staff {
  name: string
  role: 'leader' | 'worker' | string
}

/** The counts of a region: open now, of them due soon and overdue, and reported in the period. */
export interface RegionCounts {
  open: number
  yellow: number
  red: number
  reported: number
}

/** Why a region is warned: the open-work rule, or a composite index's score, fall, target or event surge. */
export interface WarningReason {
  level: 'yellow' | 'red'
  rule: string
  text: string
  text_en: string
}

/** The properties of a region feature of `/map/regions`. */
export interface RegionProps extends RegionRef, RegionCounts {
  warning: Warning
  reasons?: WarningReason[]
  children: number
  staff?: Staff[]
}

/** `GET /map/regions`: the children of a region, each with its boundary and counts. */
export interface MapRegionsAnswer {
  type: 'FeatureCollection'
  region: RegionRef | null
  ancestors: RegionRef[]
  features: Feature<Polygon | MultiPolygon | null, RegionProps>[]
}

/** `GET /map/events`: located events as a table, so 100,000 of them stay small on the wire. */
export interface MapEventsAnswer {
  fields: string[]
  rows: unknown[][]
  total: number
}

/** What the map keeps of an event point, enough to colour it and fill its popup. */
export interface EventPointProps {
  number: string
  colour: PointColour
  state: string
  category: string
  reported_at: string
}

export type EventCollection = FeatureCollection<Point, EventPointProps>

/** The flat, scalar properties a region feature carries on the map (nested values would be stringified). */
export type RegionLayerProps = Omit<RegionProps, 'staff'>

export type RegionCollection = FeatureCollection<Polygon | MultiPolygon, RegionLayerProps>

/** States of an event still open: not rejected, closed, evaluated or merged. */
export const OPEN_STATES = ['reported', 'accepted', 'dispatched', 'signed', 'in_progress', 'handled', 'verified'] as const

/** Levels of the region tree from the top, with the length of their codes. */
const LEVEL_CODE_LENGTH: Record<string, number> = { province: 2, city: 4, county: 6, town: 9, community: 12, grid: 15, micro_grid: 18 }
const LEVEL_ORDER = ['province', 'city', 'county', 'town', 'community', 'grid', 'micro_grid']

/** The level below `level` (county below city …), or null below grids; drives what a ranking groups by. */
export function childLevel(level: string): string | null {
  const i = LEVEL_ORDER.indexOf(level)
  return i >= 0 && i + 1 < LEVEL_ORDER.length ? LEVEL_ORDER[i + 1] : null
}

/**
 * The code of the region at `level` that contains the region `code`; region
 * codes nest by prefix, so a town's county is its first six digits.
 */
export function ancestorCode(code: string, level: string): string | null {
  const len = LEVEL_CODE_LENGTH[level]
  return len !== undefined && code.length >= len ? code.slice(0, len) : null
}

const COLOURS: ReadonlySet<string> = new Set(['green', 'yellow', 'red'])

function columnOf(fields: string[], name: string, required: boolean): number {
  const i = fields.indexOf(name)
  if (i < 0 && required) throw new Error(`/map/events answered without the "${name}" field`)
  return i
}

const text = (row: unknown[], i: number) => (i >= 0 && row[i] != null ? String(row[i]) : '')

/**
 * Turns the table of `/map/events` into the GeoJSON points the map clusters
 * and bins, reading columns by name (not position) and dropping rows without
 * a usable location, so a bad row never breaks the whole layer.
 */
export function eventsToGeoJSON(answer: MapEventsAnswer): EventCollection {
  const f = answer.fields
  const at = {
    number: columnOf(f, 'number', true),
    lng: columnOf(f, 'lng', true),
    lat: columnOf(f, 'lat', true),
    colour: columnOf(f, 'colour', false),
    state: columnOf(f, 'state', false),
    category: columnOf(f, 'category', false),
    reported: columnOf(f, 'reported_at', false),
  }
  const features: Feature<Point, EventPointProps>[] = []
  for (const row of answer.rows) {
    const lng = row[at.lng]
    const lat = row[at.lat]
    if (typeof lng !== 'number' || typeof lat !== 'number') continue
    if (!Number.isFinite(lng) || !Number.isFinite(lat) || Math.abs(lng) > 180 || Math.abs(lat) > 90) continue
    const colour = text(row, at.colour)
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lng, lat] },
      properties: {
        number: text(row, at.number),
        colour: COLOURS.has(colour) ? (colour as PointColour) : 'none',
        state: text(row, at.state),
        category: text(row, at.category),
        reported_at: text(row, at.reported),
      },
    })
  }
  return { type: 'FeatureCollection', features }
}

function hasArea(g: Geometry | null): g is Polygon | MultiPolygon {
  return g !== null && (g.type === 'Polygon' || g.type === 'MultiPolygon')
}

/**
 * The regions the map can draw: those with a boundary, each with only its
 * scalar properties (staff stays with the side card).
 */
export function regionLayerData(answer: MapRegionsAnswer): RegionCollection {
  const features: RegionCollection['features'] = []
  for (const f of answer.features) {
    if (!hasArea(f.geometry)) continue
    const p = f.properties
    const flat: RegionLayerProps = {
      code: p.code, name: p.name, level: p.level, level_name: p.level_name,
      open: p.open, yellow: p.yellow, red: p.red, reported: p.reported, warning: p.warning, children: p.children,
    }
    features.push({ type: 'Feature', id: p.code, geometry: f.geometry, properties: flat })
  }
  return { type: 'FeatureCollection', features }
}

/** The counts of several regions added up: a region's own counts when only its children are known. */
export function sumCounts(regions: RegionCounts[]): RegionCounts {
  const total = { open: 0, yellow: 0, red: 0, reported: 0 }
  for (const r of regions) {
    total.open += r.open
    total.yellow += r.yellow
    total.red += r.red
    total.reported += r.reported
  }
  return total
}

/** How many regions stand at each warning level, for the legend. */
export function warningTally(regions: { warning: Warning }[]): Record<Warning, number> {
  const tally: Record<Warning, number> = { green: 0, yellow: 0, red: 0 }
  for (const r of regions) if (r.warning in tally) tally[r.warning] += 1
  return tally
}

/** One step of the breadcrumb. */
export interface Crumb extends RegionRef {
  /** Whether it can be opened: inside the caller's jurisdiction and not the region shown. */
  link: boolean
}

/**
 * The breadcrumb of an answer: its ancestors from the top, then the region
 * shown. Regions above the caller's jurisdiction (`rootCode`, the region of
 * the first answer) are shown but cannot be opened: the server would refuse.
 */
export function crumbsOf(answer: Pick<MapRegionsAnswer, 'region' | 'ancestors'>, rootCode: string | null): Crumb[] {
  const all = answer.region ? [...answer.ancestors, answer.region] : [...answer.ancestors]
  return all.map((r, i) => ({
    ...r,
    link: i < all.length - 1 && rootCode !== null && r.code.length >= rootCode.length && r.code.startsWith(rootCode),
  }))
}

/** An entry of `GET /catalogue`'s resolved categories (classes included). */
export interface CatalogueCategory {
  code: string
  class: string
  name: string
  name_en: string
}

/** `GET /catalogue`, the parts the map and the screen read. */
export interface CatalogueAnswer {
  version: number
  categories: CatalogueCategory[]
}

/** Names of catalogue codes in both languages. */
export type CatalogueNames = Map<string, { zh: string; en: string }>

/** The names of every class and category of the catalogue, by code. */
export function catalogueNames(answer: CatalogueAnswer | null): CatalogueNames {
  const names: CatalogueNames = new Map()
  for (const c of answer?.categories ?? []) names.set(c.code, { zh: c.name, en: c.name_en || c.name })
  return names
}

/**
 * The name of a class or category in `locale`, falling back to the other
 * language and then the code, so an event of a retired category still shows something.
 */
export function categoryName(names: CatalogueNames, code: string, locale: string): string {
  const n = names.get(code)
  if (!n) return code
  return (locale.startsWith('zh') ? n.zh || n.en : n.en || n.zh) || code
}

/** What the side card shows of a region. */
export interface RegionSummary extends RegionRef, RegionCounts {
  /** Null for the caller's whole jurisdiction, which no answer judges. */
  warning: Warning | null
  /** Most severe first; none for the whole jurisdiction. */
  reasons: WarningReason[]
  children: number
  staff: Staff[]
}

/**
 * The side card of region `code`: its own feature when a parent's answer
 * gave one (`known`), or, for the region whose children `answer` lists,
 * their counts added up; null when neither is at hand yet.
 */
export function regionSummary(code: string, known: ReadonlyMap<string, RegionProps>, answer: MapRegionsAnswer | null): RegionSummary | null {
  const own = known.get(code)
  if (own) return { ...own, staff: own.staff ?? [], reasons: own.reasons ?? [] }
  if (answer?.region?.code !== code) return null
  const counts = sumCounts(answer.features.map((f) => f.properties))
  return { ...answer.region, ...counts, warning: null, reasons: [], children: answer.features.length, staff: [] }
}

/** An item of `GET /regions?parent=`: the region's fields flattened in (as served), or nested under `region`. */
export interface RegionListItem extends Partial<RegionRef> {
  region?: RegionRef
  has_boundary?: boolean
}

/** The names by code of a `GET /regions?parent=` listing, reading either shape of its items. */
export function regionListNames(answer: { items: RegionListItem[] }): Map<string, string> {
  const names = new Map<string, string>()
  for (const item of answer.items) {
    const code = item.code ?? item.region?.code
    const name = item.name ?? item.region?.name
    if (code && name) names.set(code, name)
  }
  return names
}

/** `GET /map/settings`: the installation's basemap, if it has a tile server. */
export interface MapSettings {
  /** An XYZ raster tile URL template, or null to draw regions alone. */
  basemap: string | null
  /** The basemap's credit, shown as plain text. */
  attribution: string | null
}
