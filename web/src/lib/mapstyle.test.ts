import { describe, expect, it } from 'vitest'
import { LAYER, LAYER_GROUPS, mapStyle, selectedFilter, SOURCE, type StyleOptions } from './mapstyle'

const ALL_ON = { regions: true, hex: true, points: true }
const base: StyleOptions = { theme: 'light', cluster: true, visible: ALL_ON }

describe('mapStyle', () => {
  it('needs nothing from the internet: no glyphs, no sprite, no remote source', () => {
    const style = mapStyle(base)
    expect(style.glyphs).toBeUndefined()
    expect(style.sprite).toBeUndefined()
    expect(style.layers.some((l) => l.type === 'symbol')).toBe(false)
    expect(Object.keys(style.sources).sort()).toEqual([SOURCE.events, SOURCE.hex, SOURCE.regions].sort())
    expect(JSON.stringify(style)).not.toMatch(/https?:/)
  })

  it('stacks regions under the heat, outlines over it and events on top', () => {
    const ids = mapStyle(base).layers.map((l) => l.id)
    expect(ids).toEqual([
      LAYER.background,
      LAYER.regionsFill,
      LAYER.hexFill,
      LAYER.regionsLine,
      LAYER.regionsSelected,
      LAYER.clusters,
      LAYER.points,
    ])
  })

  it('puts a configured basemap right above the background, under our layers', () => {
    const style = mapStyle({ ...base, basemap: 'https://tiles.intranet/{z}/{x}/{y}.png' })
    expect(style.layers[1]).toEqual({ id: LAYER.basemap, type: 'raster', source: SOURCE.basemap })
    expect(style.sources[SOURCE.basemap]).toEqual({ type: 'raster', tiles: ['https://tiles.intranet/{z}/{x}/{y}.png'], tileSize: 256 })
  })

  it('clusters events only when asked, counting red and yellow in each cluster', () => {
    const clustered = mapStyle(base).sources[SOURCE.events]
    expect(clustered).toMatchObject({ type: 'geojson', cluster: true })
    expect(Object.keys((clustered as { clusterProperties: object }).clusterProperties)).toEqual(['red', 'yellow'])
    expect(mapStyle({ ...base, cluster: false }).sources[SOURCE.events]).toMatchObject({ cluster: false })
  })

  it('starts each group visible or hidden as switched', () => {
    const style = mapStyle({ ...base, visible: { regions: true, hex: false, points: true } })
    const visibility = Object.fromEntries(style.layers.map((l) => [l.id, (l.layout as { visibility?: string } | undefined)?.visibility]))
    for (const id of LAYER_GROUPS.hex) expect(visibility[id]).toBe('none')
    for (const id of [...LAYER_GROUPS.regions, ...LAYER_GROUPS.points]) expect(visibility[id]).toBe('visible')
  })

  it('themes the background', () => {
    const bg = (theme: 'light' | 'dark') => (mapStyle({ ...base, theme }).layers[0].paint as Record<string, string>)['background-color']
    expect(bg('light')).not.toBe(bg('dark'))
  })

  it('keys regions by code so hover state can find them', () => {
    expect(mapStyle(base).sources[SOURCE.regions]).toMatchObject({ promoteId: 'code' })
  })
})

describe('selectedFilter', () => {
  it('matches the selected code, or nothing', () => {
    expect(selectedFilter('440511')).toEqual(['==', ['get', 'code'], '440511'])
    expect(selectedFilter(null)).toEqual(['==', ['get', 'code'], ''])
  })
})
