import { describe, expect, it } from 'vitest'
import { buildReport, categoryName, checkReport, emptyDraft, groupCatalogue, isValidPoint, type CategoryInfo, type ReportDraft } from './report'

const draft = (extra: Partial<ReportDraft> = {}): ReportDraft => ({
  ...emptyDraft(),
  category: '0101',
  title: '垃圾满溢',
  address: '人民路 1 号',
  ...extra,
})

describe('checkReport', () => {
  it('accepts a report with a category, a title and an address', () => {
    expect(checkReport(draft())).toEqual({})
  })

  it('requires a category and a title', () => {
    expect(checkReport(draft({ category: '', title: '  ' }))).toEqual({ category: 'required', title: 'required' })
  })

  it('requires an address or a location', () => {
    expect(checkReport(draft({ address: ' ' }))).toEqual({ address: 'address_or_location' })
    expect(checkReport(draft({ address: '', location: { lng: 116.68, lat: 23.35 } }))).toEqual({})
  })

  it('refuses a location out of range, or 0,0', () => {
    expect(checkReport(draft({ location: { lng: 200, lat: 23 } }))).toEqual({ location: 'out_of_range' })
    expect(checkReport(draft({ location: { lng: 0, lat: 0 } }))).toEqual({ location: 'out_of_range' })
    expect(checkReport(draft({ location: { lng: Number.NaN, lat: 23 } }))).toEqual({ location: 'out_of_range' })
  })

  it('holds texts to the server limits, counting characters', () => {
    expect(checkReport(draft({ title: '路'.repeat(200) }))).toEqual({})
    expect(checkReport(draft({ title: '路'.repeat(201) }))).toEqual({ title: 'too_long' })
    expect(checkReport(draft({ description: 'x'.repeat(5001) }))).toEqual({ description: 'too_long' })
    expect(checkReport(draft({ address: 'x'.repeat(201) }))).toEqual({ address: 'too_long' })
  })

  it('refuses control characters but keeps line breaks and tabs', () => {
    expect(checkReport(draft({ description: '第一行\n第二行\t完' }))).toEqual({})
    expect(checkReport(draft({ title: 'a\u0007b' }))).toEqual({ title: 'control' })
  })
})

describe('buildReport', () => {
  it('trims the texts and sends the location in WGS-84, rounded to 7 decimals', () => {
    const built = buildReport(draft({ title: ' 垃圾满溢 ', description: ' 桶满了 ', location: { lng: 116.681234567891, lat: 23.3512345678 } }))
    expect(built).toEqual({
      ok: true,
      body: {
        category: '0101',
        title: '垃圾满溢',
        description: '桶满了',
        address: '人民路 1 号',
        urgency: 'normal',
        location: { lng: 116.6812346, lat: 23.3512346, crs: 'wgs84' },
      },
    })
  })

  it('sends no location when there is none', () => {
    const built = buildReport(draft())
    expect(built.ok && 'location' in built.body).toBe(false)
  })

  it('gives the problems instead of a body', () => {
    expect(buildReport(draft({ category: '' }))).toEqual({ ok: false, problems: { category: 'required' } })
  })
})

describe('isValidPoint', () => {
  it('takes points on the globe', () => {
    expect(isValidPoint({ lng: -180, lat: 90 })).toBe(true)
    expect(isValidPoint({ lng: 181, lat: 0 })).toBe(false)
  })
})

const limits = { accept: { value: 1, unit: 'working_hours' as const }, dispatch: { value: 1, unit: 'working_hours' as const }, handle: { value: 4, unit: 'working_hours' as const } }
const entry = (code: string, on_spot: boolean, name = code): CategoryInfo => ({
  code,
  class: code.slice(0, 2),
  family: 'city_management',
  name,
  name_en: `${name} (en)`,
  description: '',
  filing: '',
  closing: '',
  department: null,
  on_spot,
  limits,
})

const catalogue = [entry('01', true), entry('0102', true), entry('0101', false), entry('03', false), entry('0301', false), entry('11', false), entry('1101', true), entry('23', false)]

describe('groupCatalogue', () => {
  it('groups categories under their class, by code', () => {
    const groups = groupCatalogue(catalogue)
    expect(groups.map((g) => [g.info.code, g.categories.map((c) => c.code)])).toEqual([
      ['01', ['0101', '0102']],
      ['03', ['0301']],
      ['11', ['1101']],
      ['23', []],
    ])
    expect(groups.every((g) => g.selectable)).toBe(true)
  })

  it('lists the given classes first, in their order', () => {
    expect(groupCatalogue(catalogue, { first: ['23', '11'] }).map((g) => g.info.code)).toEqual(['23', '11', '01', '03'])
  })

  it('keeps only what may be resolved on the spot, a class without being selectable when only its categories may', () => {
    const groups = groupCatalogue(catalogue, { onSpotOnly: true })
    expect(groups.map((g) => [g.info.code, g.selectable, g.categories.map((c) => c.code)])).toEqual([
      ['01', true, ['0102']],
      ['11', false, ['1101']],
    ])
  })
})

describe('categoryName', () => {
  it('names in Chinese first, English on the switch', () => {
    expect(categoryName(entry('01', true, '市容环境'), 'zh-CN')).toBe('市容环境')
    expect(categoryName(entry('01', true, '市容环境'), 'en')).toBe('市容环境 (en)')
    expect(categoryName({ name: '市容环境', name_en: '' }, 'en')).toBe('市容环境')
  })
})
