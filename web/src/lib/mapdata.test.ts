import { describe, expect, it } from 'vitest'
import type { Feature, MultiPolygon, Polygon } from 'geojson'
import {
  ancestorCode,
  catalogueNames,
  categoryName,
  childLevel,
  crumbsOf,
  regionListNames,
  regionSummary,
  eventsToGeoJSON,
  regionLayerData,
  sumCounts,
  warningTally,
  type MapRegionsAnswer,
  type RegionProps,
} from './mapdata'

const FIELDS = ['number', 'lng', 'lat', 'colour', 'state', 'category', 'reported_at']

describe('eventsToGeoJSON', () => {
  it('turns each row into a point with its properties', () => {
    const fc = eventsToGeoJSON({
      fields: FIELDS,
      rows: [
        ['20261122-000042', 116.68, 23.35, 'yellow', 'dispatched', '0102', '2026-11-22T09:00:00+08:00'],
        ['20261122-000043', 116.7, 23.36, null, 'closed', '1302', '2026-11-22T10:00:00+08:00'],
      ],
      total: 2,
    })
    expect(fc.type).toBe('FeatureCollection')
    expect(fc.features).toHaveLength(2)
    expect(fc.features[0].geometry.coordinates).toEqual([116.68, 23.35])
    expect(fc.features[0].properties).toEqual({
      number: '20261122-000042',
      colour: 'yellow',
      state: 'dispatched',
      category: '0102',
      reported_at: '2026-11-22T09:00:00+08:00',
    })
    expect(fc.features[1].properties.colour).toBe('none')
  })

  it('reads columns by name, whatever their order', () => {
    const fc = eventsToGeoJSON({ fields: ['lat', 'colour', 'number', 'lng'], rows: [[23.4, 'red', 'N1', 116.6]], total: 1 })
    expect(fc.features[0].geometry.coordinates).toEqual([116.6, 23.4])
    expect(fc.features[0].properties).toMatchObject({ number: 'N1', colour: 'red', state: '', category: '' })
  })

  it('drops rows without a usable location and unknown colours turn grey', () => {
    const fc = eventsToGeoJSON({
      fields: FIELDS,
      rows: [
        ['A', null, 23.3, 'red', 'reported', '01', ''],
        ['B', 116.6, 'x', 'red', 'reported', '01', ''],
        ['C', 200, 23.3, 'red', 'reported', '01', ''],
        ['D', Number.NaN, 23.3, 'red', 'reported', '01', ''],
        ['E', 116.6, 23.3, 'purple', 'reported', '01', ''],
      ],
      total: 5,
    })
    expect(fc.features.map((f) => f.properties.number)).toEqual(['E'])
    expect(fc.features[0].properties.colour).toBe('none')
  })

  it('refuses an answer without coordinates', () => {
    expect(() => eventsToGeoJSON({ fields: ['number', 'lng'], rows: [], total: 0 })).toThrow(/lat/)
  })
})

const square = (x: number, y: number): Polygon => ({
  type: 'Polygon',
  coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
})

function region(code: string, over: Partial<RegionProps> = {}, geometry: Polygon | MultiPolygon | null = square(0, 0)): Feature<Polygon | MultiPolygon | null, RegionProps> {
  return {
    type: 'Feature',
    id: code,
    geometry,
    properties: { code, name: 'R' + code, level: 'grid', level_name: '网格', open: 1, yellow: 0, red: 0, reported: 2, warning: 'green', children: 0, ...over },
  }
}

describe('regionLayerData', () => {
  it('keeps regions with a boundary, flat, with their code as id', () => {
    const answer: MapRegionsAnswer = {
      type: 'FeatureCollection',
      region: null,
      ancestors: [],
      features: [region('1', { staff: [{ name: '张三', role: 'leader' }] }), region('2', {}, null)],
    }
    const fc = regionLayerData(answer)
    expect(fc.features).toHaveLength(1)
    expect(fc.features[0].id).toBe('1')
    expect(fc.features[0].properties).not.toHaveProperty('staff')
    expect(fc.features[0].properties).toMatchObject({ code: '1', open: 1, reported: 2, warning: 'green' })
  })
})

describe('sumCounts and warningTally', () => {
  it('adds the counts of children', () => {
    expect(sumCounts([
      { open: 3, yellow: 1, red: 1, reported: 10 },
      { open: 2, yellow: 0, red: 2, reported: 5 },
    ])).toEqual({ open: 5, yellow: 1, red: 3, reported: 15 })
    expect(sumCounts([])).toEqual({ open: 0, yellow: 0, red: 0, reported: 0 })
  })
  it('counts regions per warning level', () => {
    expect(warningTally([{ warning: 'red' }, { warning: 'green' }, { warning: 'red' }])).toEqual({ green: 1, yellow: 0, red: 2 })
  })
})

describe('levels', () => {
  it('steps down the tree', () => {
    expect(childLevel('city')).toBe('county')
    expect(childLevel('county')).toBe('town')
    expect(childLevel('community')).toBe('grid')
    expect(childLevel('micro_grid')).toBeNull()
    expect(childLevel('nowhere')).toBeNull()
  })
  it('finds the ancestor code by prefix', () => {
    expect(ancestorCode('440511001', 'county')).toBe('440511')
    expect(ancestorCode('440511001', 'city')).toBe('4405')
    expect(ancestorCode('4405', 'town')).toBeNull()
  })
})

describe('crumbsOf', () => {
  const ref = (code: string, name: string, level: string) => ({ code, name, level, level_name: level })
  it('links the jurisdiction and below, never above it nor the region shown', () => {
    const crumbs = crumbsOf(
      { region: ref('440511001', '金砂街道', 'town'), ancestors: [ref('44', '广东省', 'province'), ref('4405', '汕头市', 'city'), ref('440511', '金平区', 'county')] },
      '4405',
    )
    expect(crumbs.map((c) => [c.name, c.link])).toEqual([
      ['广东省', false],
      ['汕头市', true],
      ['金平区', true],
      ['金砂街道', false],
    ])
  })
  it('links nothing before the jurisdiction is known', () => {
    expect(crumbsOf({ region: ref('4405', '汕头市', 'city'), ancestors: [ref('44', '广东省', 'province')] }, null).every((c) => !c.link)).toBe(true)
  })
})

describe('catalogue names', () => {
  const names = catalogueNames({
    version: 3,
    categories: [
      { code: '01', class: '01', name: '市容环境', name_en: 'City appearance' },
      { code: '0102', class: '01', name: '暴露垃圾', name_en: '' },
    ],
  })
  it('names a code in the locale, falling back to the other language and to the code', () => {
    expect(categoryName(names, '01', 'zh-CN')).toBe('市容环境')
    expect(categoryName(names, '01', 'en')).toBe('City appearance')
    expect(categoryName(names, '0102', 'en')).toBe('暴露垃圾')
    expect(categoryName(names, '9999', 'zh-CN')).toBe('9999')
  })
  it('is empty without a catalogue', () => expect(catalogueNames(null).size).toBe(0))
})

describe('regionSummary', () => {
  const answer: MapRegionsAnswer = {
    type: 'FeatureCollection',
    region: { code: '4405', name: '汕头市', level: 'city', level_name: '市' },
    ancestors: [],
    features: [region('440507', { open: 4, red: 1, reported: 9 }), region('440511', { open: 6, yellow: 2, reported: 1 }, null)],
  }
  it('uses the own feature of a known region, with its staff', () => {
    const known = new Map([['440507001', { ...region('440507001', { staff: [{ name: '李四', role: 'worker' }] }).properties }]])
    expect(regionSummary('440507001', known, answer)).toMatchObject({ code: '440507001', warning: 'green', staff: [{ name: '李四', role: 'worker' }], reasons: [] })
  })
  it('keeps the reasons of a warned region, most severe first as served', () => {
    const reasons = [
      { level: 'red' as const, rule: 'score', text: '红棉指数得分 14.54，低于红色警戒线 25', text_en: 'Kapok Index scores 14.54, below the red line of 25' },
      { level: 'yellow' as const, rule: 'open_work', text: '在办 3 件，其中超期 1 件、临期 0 件', text_en: '3 open, 1 overdue, 0 due soon' },
    ]
    const known = new Map([['440507', { ...region('440507', { warning: 'red', reasons }).properties }]])
    expect(regionSummary('440507', known, answer)?.reasons).toEqual(reasons)
  })
  it('adds up the children for the region they belong to, boundaries or not', () => {
    expect(regionSummary('4405', new Map(), answer)).toEqual({
      code: '4405', name: '汕头市', level: 'city', level_name: '市',
      open: 10, yellow: 2, red: 1, reported: 10, warning: null, reasons: [], children: 2, staff: [],
    })
  })
  it('knows nothing of other regions', () => expect(regionSummary('440513', new Map(), answer)).toBeNull())
})

describe('regionListNames', () => {
  it('reads flattened and nested items alike', () => {
    const names = regionListNames({
      items: [
        { code: '440511001', name: '金砂街道', level: 'town', level_name: '街道', has_boundary: true },
        { region: { code: '440511002', name: '东墩街道', level: 'town', level_name: '街道' }, has_boundary: false },
        { has_boundary: false },
      ],
    })
    expect([...names]).toEqual([
      ['440511001', '金砂街道'],
      ['440511002', '东墩街道'],
    ])
  })
})
