import { describe, expect, it } from 'vitest'
import type { Feature, Geometry, MultiPolygon, Polygon, Position } from 'geojson'
import { boundsOf, insideRing, labelPoint } from './mapgeom'

const feature = (geometry: Geometry | null): Feature<Geometry | null> => ({ type: 'Feature', geometry, properties: null })
const rect = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]

describe('boundsOf', () => {
  it('spans polygons, multipolygons and points together', () => {
    const b = boundsOf([
      feature({ type: 'Polygon', coordinates: [rect(116.5, 23.2, 116.7, 23.4)] }),
      feature({ type: 'MultiPolygon', coordinates: [[rect(116.8, 23.1, 116.9, 23.3)]] }),
      feature({ type: 'Point', coordinates: [116.4, 23.5] }),
      feature(null),
    ])
    expect(b).toEqual([[116.4, 23.1], [116.9, 23.5]])
  })
  it('is null with nothing to fit', () => {
    expect(boundsOf([])).toBeNull()
    expect(boundsOf([feature(null)])).toBeNull()
  })
})

describe('insideRing', () => {
  it('tells inside from outside', () => {
    const ring = rect(0, 0, 2, 2)
    expect(insideRing([1, 1], ring)).toBe(true)
    expect(insideRing([3, 1], ring)).toBe(false)
  })
})

describe('labelPoint', () => {
  it('uses the centroid of a convex region', () => {
    const p = labelPoint({ type: 'Polygon', coordinates: [rect(0, 0, 4, 2)] })
    expect(p?.[0]).toBeCloseTo(2)
    expect(p?.[1]).toBeCloseTo(1)
  })

  it('stays inside a C-shaped region whose centroid is in the gap', () => {
    // A "C": a 3×3 block with the middle of its right side cut away.
    const c: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [3, 2], [3, 3], [0, 3], [0, 0]]] }
    const ring = c.coordinates[0]
    const p = labelPoint(c)
    expect(p).not.toBeNull()
    expect(insideRing(p as Position, ring)).toBe(true)
    expect(p?.[0]).toBeCloseTo(0.5)
  })

  it('labels the largest part of a multipolygon', () => {
    const m: MultiPolygon = { type: 'MultiPolygon', coordinates: [[rect(10, 10, 11, 11)], [rect(0, 0, 4, 4)]] }
    const p = labelPoint(m)
    expect(p?.[0]).toBeCloseTo(2)
    expect(p?.[1]).toBeCloseTo(2)
  })

  it('has no label for a degenerate polygon', () => {
    expect(labelPoint({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]] })).toBeNull()
  })
})
