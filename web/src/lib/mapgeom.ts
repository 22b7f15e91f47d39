// Plane geometry the map needs without a geometry library: the bounds to fit
// the view to, and a point inside each region to pin its name on (the map
// has no glyphs, so names are HTML markers placed at these points).

import type { Feature, Geometry, MultiPolygon, Polygon, Position } from 'geojson'

/** South-west and north-east corners, `[[west, south], [east, north]]`, as `fitBounds` takes them. */
export type Bounds = [[number, number], [number, number]]

function eachPosition(g: Geometry | null, visit: (p: Position) => void): void {
  if (!g) return
  switch (g.type) {
    case 'Point':
      visit(g.coordinates)
      break
    case 'MultiPoint':
    case 'LineString':
      g.coordinates.forEach(visit)
      break
    case 'MultiLineString':
    case 'Polygon':
      g.coordinates.forEach((ring) => ring.forEach(visit))
      break
    case 'MultiPolygon':
      g.coordinates.forEach((poly) => poly.forEach((ring) => ring.forEach(visit)))
      break
    case 'GeometryCollection':
      g.geometries.forEach((child) => eachPosition(child, visit))
      break
  }
}

/** The bounds of every geometry of `features`, or null when none has coordinates: what to fit the view to after a drill-down. */
export function boundsOf(features: Feature<Geometry | null>[]): Bounds | null {
  let w = Infinity
  let s = Infinity
  let e = -Infinity
  let n = -Infinity
  for (const f of features) {
    eachPosition(f.geometry, ([x, y]) => {
      if (!Number.isFinite(x) || !Number.isFinite(y)) return
      if (x < w) w = x
      if (x > e) e = x
      if (y < s) s = y
      if (y > n) n = y
    })
  }
  return w <= e && s <= n ? [[w, s], [e, n]] : null
}

/** Twice the signed area of a closed ring (shoelace); positive when counter-clockwise. */
function ringArea2(ring: Position[]): number {
  let a = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
  return a
}

/** Whether `p` lies inside `ring` (even-odd rule). */
export function insideRing(p: Position, ring: Position[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function centroid(ring: Position[]): Position | null {
  const a2 = ringArea2(ring)
  if (a2 === 0) return null
  let cx = 0
  let cy = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const cross = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
    cx += (ring[j][0] + ring[i][0]) * cross
    cy += (ring[j][1] + ring[i][1]) * cross
  }
  return [cx / (3 * a2), cy / (3 * a2)]
}

/** The middle of the widest stretch of the horizontal line at `y` that lies inside `ring`. */
function widestCrossing(ring: Position[], y: number): Position | null {
  const xs: number[] = []
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > y !== yj > y) xs.push(((xj - xi) * (y - yi)) / (yj - yi) + xi)
  }
  xs.sort((a, b) => a - b)
  let best: Position | null = null
  let width = -1
  for (let k = 0; k + 1 < xs.length; k += 2) {
    if (xs[k + 1] - xs[k] > width) {
      width = xs[k + 1] - xs[k]
      best = [(xs[k] + xs[k + 1]) / 2, y]
    }
  }
  return best
}

/** The outer ring of the largest polygon of a (multi)polygon. */
function largestOuterRing(g: Polygon | MultiPolygon): Position[] | null {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  let best: Position[] | null = null
  let area = -1
  for (const poly of polygons) {
    const ring = poly[0]
    if (!ring || ring.length < 4) continue
    const a = Math.abs(ringArea2(ring))
    if (a > area) {
      area = a
      best = ring
    }
  }
  return best
}

/**
 * Where to pin a region's name: the centroid of its largest part when that
 * falls inside it, otherwise the middle of the widest horizontal stretch
 * through it, so a crescent-shaped town is not labelled in its neighbour.
 */
export function labelPoint(g: Polygon | MultiPolygon): Position | null {
  const ring = largestOuterRing(g)
  if (!ring) return null
  const c = centroid(ring)
  if (c && insideRing(c, ring)) return c
  const b = boundsOf([{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: null }])
  if (!b) return null
  const midY = c ? c[1] : (b[0][1] + b[1][1]) / 2
  return widestCrossing(ring, midY) ?? [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2]
}
