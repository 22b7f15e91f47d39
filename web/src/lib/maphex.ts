// The hexagon heat layer: events binned into H3 cells at a resolution that
// suits the zoom, each cell a polygon coloured on a sequential scale by how
// many events fall in it. Binning 100,000 points takes a fraction of a
// second, so it runs once per data change and resolution, never per frame.

import { cellToBoundary, getHexagonEdgeLengthAvg, latLngToCell, UNITS } from 'h3-js'
import type { Feature, FeatureCollection, Point, Polygon } from 'geojson'

/** Light to dark, yellow to red: the heat scale, lowest counts first. */
export const HEAT_COLOURS = ['#fff3b0', '#fed976', '#feb24c', '#fd8d3c', '#f03b20', '#bd0026'] as const

/** The coarsest and finest resolutions the layer uses: a district-wide hexagon to a street corner. */
export const MIN_RESOLUTION = 5
export const MAX_RESOLUTION = 11

/** The edge length, in screen pixels, a hexagon should have at the zoom it is drawn for. */
const HEX_EDGE_PX = 14

const EARTH_CIRCUMFERENCE_M = 40_075_016.686

/** A cell of the heat layer. */
export interface HexProps {
  cell: string
  count: number
  colour: string
}

export type HexCollection = FeatureCollection<Polygon, HexProps>

/** Ground metres one screen pixel covers at `zoom` and latitude `lat` (MapLibre's 512-pixel tiles). */
export function metresPerPixel(zoom: number, lat: number): number {
  return (EARTH_CIRCUMFERENCE_M * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom)
}

/**
 * The H3 resolution whose hexagons look about the same size on screen at
 * `zoom` and `lat`: coarse when the whole city shows, fine inside a grid.
 */
export function hexResolution(zoom: number, lat: number): number {
  const target = HEX_EDGE_PX * metresPerPixel(zoom, lat)
  let best = MIN_RESOLUTION
  let gap = Infinity
  for (let res = MIN_RESOLUTION; res <= MAX_RESOLUTION; res++) {
    const d = Math.abs(Math.log(getHexagonEdgeLengthAvg(res, UNITS.m) / target))
    if (d < gap) {
      gap = d
      best = res
    }
  }
  return best
}

/** How many of `points` fall in each H3 cell at `res`. */
export function binPoints(points: Feature<Point>[], res: number): Map<string, number> {
  const bins = new Map<string, number>()
  for (const p of points) {
    const [lng, lat] = p.geometry.coordinates
    const cell = latLngToCell(lat, lng, res)
    bins.set(cell, (bins.get(cell) ?? 0) + 1)
  }
  return bins
}

/**
 * The bucket of the heat scale `count` falls in when the largest cell holds
 * `max`: logarithmic, as event counts are skewed and a linear scale would
 * paint all but the busiest corner the palest colour.
 */
export function heatBucket(count: number, max: number): number {
  const n = HEAT_COLOURS.length
  if (count <= 0 || max <= 0) return 0
  const share = Math.log1p(Math.min(count, max)) / Math.log1p(max)
  return Math.min(n - 1, Math.floor(share * n))
}

/** The colour of a cell holding `count` events when the largest holds `max`. */
export function heatColour(count: number, max: number): string {
  return HEAT_COLOURS[heatBucket(count, max)]
}

/** One step of the heat legend: the counts `from`–`to` share `colour`. */
export interface HeatStep {
  colour: string
  from: number
  to: number
}

/** The smallest count in 1..max whose bucket is at least `bucket` (max + 1 when none): buckets grow with counts, so a binary search finds it. */
function firstCountOf(bucket: number, max: number): number {
  let lo = 1
  let hi = max + 1
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (heatBucket(mid, max) >= bucket) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** The legend of the heat scale for a largest cell of `max`: each colour with the counts it stands for, empty steps left out. */
export function heatLegend(max: number): HeatStep[] {
  const steps: HeatStep[] = []
  for (let b = 0; b < HEAT_COLOURS.length; b++) {
    const from = firstCountOf(b, max)
    const to = b + 1 < HEAT_COLOURS.length ? firstCountOf(b + 1, max) - 1 : max
    if (from <= to) steps.push({ colour: HEAT_COLOURS[b], from, to })
  }
  return steps
}

/** The polygons of the heat layer for `bins`, coloured relative to the fullest cell. */
export function hexCollection(bins: Map<string, number>): HexCollection {
  let max = 0
  for (const n of bins.values()) if (n > max) max = n
  const features: Feature<Polygon, HexProps>[] = []
  for (const [cell, count] of bins) {
    const ring = cellToBoundary(cell, true)
    features.push({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: { cell, count, colour: heatColour(count, max) },
    })
  }
  return { type: 'FeatureCollection', features }
}

/** The largest count of a heat layer, for its legend. */
export function hexMax(hex: HexCollection): number {
  let max = 0
  for (const f of hex.features) if (f.properties.count > max) max = f.properties.count
  return max
}

/**
 * A binner of one set of points that remembers each resolution it made, so
 * zooming back and forth costs nothing after the first time; a new set of
 * points needs a new binner.
 */
export function hexBinner(points: Feature<Point>[]): (res: number) => HexCollection {
  const made = new Map<number, HexCollection>()
  return (res) => {
    let hex = made.get(res)
    if (!hex) {
      hex = hexCollection(binPoints(points, res))
      made.set(res, hex)
    }
    return hex
  }
}
