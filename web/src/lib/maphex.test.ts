import { describe, expect, it } from 'vitest'
import { cellToLatLng, getResolution } from 'h3-js'
import type { Feature, Point } from 'geojson'
import {
  binPoints,
  HEAT_COLOURS,
  heatBucket,
  heatColour,
  heatLegend,
  hexBinner,
  hexCollection,
  hexMax,
  hexResolution,
  MAX_RESOLUTION,
  metresPerPixel,
  MIN_RESOLUTION,
} from './maphex'

const point = (lng: number, lat: number): Feature<Point> => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [lng, lat] }, properties: {} })

// Two events a few metres apart at 汕头市政府 and one across the harbour.
const POINTS = [point(116.6818, 23.3535), point(116.68185, 23.35352), point(116.7285, 23.3005)]

describe('metresPerPixel and hexResolution', () => {
  it('halves the ground per pixel with each zoom step', () => {
    expect(metresPerPixel(11, 0)).toBeCloseTo(38.22, 1)
    expect(metresPerPixel(12, 0) * 2).toBeCloseTo(metresPerPixel(11, 0), 6)
  })
  it('picks coarse cells for the city and fine cells for a grid', () => {
    expect(hexResolution(8, 23.4)).toBe(6)
    expect(hexResolution(11, 23.4)).toBe(8)
    expect(hexResolution(14, 23.4)).toBe(10)
  })
  it('stays within the supported resolutions', () => {
    expect(hexResolution(2, 23.4)).toBe(MIN_RESOLUTION)
    expect(hexResolution(20, 23.4)).toBe(MAX_RESOLUTION)
  })
})

describe('binPoints', () => {
  it('counts the events in each cell', () => {
    const bins = binPoints(POINTS, 9)
    expect([...bins.values()].sort()).toEqual([1, 2])
    for (const cell of bins.keys()) expect(getResolution(cell)).toBe(9)
    const busy = [...bins].find(([, n]) => n === 2)?.[0] as string
    const [lat, lng] = cellToLatLng(busy)
    expect(lat).toBeCloseTo(23.3535, 2)
    expect(lng).toBeCloseTo(116.6818, 2)
  })
  it('puts everything in one cell when the cells are coarse enough', () => {
    expect([...binPoints(POINTS, 4).values()]).toEqual([3])
  })
})

describe('heat scale', () => {
  it('puts the fullest cell in the darkest colour and a single event in the palest', () => {
    expect(heatColour(100, 100)).toBe(HEAT_COLOURS[HEAT_COLOURS.length - 1])
    expect(heatColour(1, 100)).toBe(HEAT_COLOURS[0])
    expect(heatColour(1, 1)).toBe(HEAT_COLOURS[HEAT_COLOURS.length - 1])
  })
  it('is logarithmic: ten of a thousand is already mid-scale', () => {
    expect(heatBucket(10, 1000)).toBe(2)
    expect(heatBucket(0, 1000)).toBe(0)
  })
  it('never decreases as counts grow', () => {
    let last = 0
    for (let n = 1; n <= 500; n++) {
      const b = heatBucket(n, 500)
      expect(b).toBeGreaterThanOrEqual(last)
      last = b
    }
  })
})

describe('heatLegend', () => {
  it('covers 1 to max without gaps, each step in the colour its counts get', () => {
    const steps = heatLegend(1000)
    expect(steps[0].from).toBe(1)
    expect(steps[steps.length - 1].to).toBe(1000)
    for (let i = 1; i < steps.length; i++) expect(steps[i].from).toBe(steps[i - 1].to + 1)
    for (const s of steps) {
      expect(heatColour(s.from, 1000)).toBe(s.colour)
      expect(heatColour(s.to, 1000)).toBe(s.colour)
    }
    expect(steps.map((s) => s.colour)).toEqual([...HEAT_COLOURS])
  })
  it('leaves out colours no count can get', () => {
    expect(heatLegend(1)).toEqual([{ colour: HEAT_COLOURS[5], from: 1, to: 1 }])
    expect(heatLegend(3).map((s) => [s.from, s.to])).toEqual([[1, 1], [2, 2], [3, 3]])
    expect(heatLegend(0)).toEqual([])
  })
})

describe('hexCollection', () => {
  it('makes a closed hexagon per cell, coloured relative to the fullest', () => {
    const hex = hexCollection(binPoints(POINTS, 9))
    expect(hex.features).toHaveLength(2)
    for (const f of hex.features) {
      const ring = f.geometry.coordinates[0]
      expect(ring).toHaveLength(7)
      expect(ring[0]).toEqual(ring[6])
      // GeoJSON order: longitude first.
      expect(ring[0][0]).toBeGreaterThan(116)
      expect(ring[0][1]).toBeLessThan(24)
    }
    const byCount = Object.fromEntries(hex.features.map((f) => [f.properties.count, f.properties.colour]))
    expect(byCount[2]).toBe(HEAT_COLOURS[5])
    expect(byCount[1]).toBe(HEAT_COLOURS[3])
    expect(hexMax(hex)).toBe(2)
  })
})

describe('hexBinner', () => {
  it('bins once per resolution', () => {
    const bin = hexBinner(POINTS)
    const first = bin(9)
    expect(bin(9)).toBe(first)
    expect(bin(4)).not.toBe(first)
    expect(bin(4).features[0].properties.count).toBe(3)
  })
})
