import { describe, expect, it } from 'vitest'
import { changeText, levelsOf, nodeChoices, stabilityText, uploadType, type ScoreRow } from './indices'

const row = (unit: string, level: string): ScoreRow => ({
  unit, name: unit, level, score: 50, rank: 1, of: 2, change: null, warning: 'green', reasons: [],
})

describe('levelsOf', () => {
  it('orders the levels present from the top of the tree down', () => {
    expect(levelsOf([row('440507001', 'town'), row('440507', 'county'), row('440507002', 'town')])).toEqual(['county', 'town'])
  })
  it('is empty for no rows', () => expect(levelsOf([])).toEqual([]))
})

describe('nodeChoices', () => {
  it('offers the index and its dimensions, not deeper indicators', () => {
    const nodes = [
      { code: 'HM', name: '红棉指数', level: 4 },
      { code: 'SA', name: '社会安全', level: 3, parent: 'HM' },
      { code: 'SA01', name: '治安防控', level: 2, parent: 'SA' },
      { code: 'FZ', name: '法治保障', level: 3, parent: 'HM' },
    ]
    expect(nodeChoices(nodes).map((n) => n.code)).toEqual(['HM', 'SA', 'FZ'])
  })
  it('is empty without a root', () => expect(nodeChoices([{ code: 'a', name: 'a', level: 1, parent: 'x' }])).toEqual([]))
})

describe('changeText', () => {
  it('signs rises and keeps falls', () => {
    expect(changeText(1.234)).toBe('+1.23')
    expect(changeText(-0.5)).toBe('-0.50')
    expect(changeText(-0.001)).toBe('0.00')
    expect(changeText(null)).toBe('')
  })
})

describe('stabilityText', () => {
  it('gives the 90% range of the rank, or the rank when it holds', () => {
    expect(stabilityText({ nominal: 4, median: 4, q5: 3, q95: 5.2, same_rank: 0.6 })).toBe('3–5')
    expect(stabilityText({ nominal: 1, median: 1, q5: 1, q95: 1, same_rank: 1 })).toBe('1')
    expect(stabilityText(undefined)).toBe('')
  })
})

describe('uploadType', () => {
  it('names the type the server reads by the extension', () => {
    expect(uploadType('红棉指数.TOML')).toBe('application/toml')
    expect(uploadType('values.csv')).toBe('text/csv')
    expect(uploadType('指标.xlsx')).toContain('spreadsheetml')
    expect(uploadType('a.json')).toBe('application/json')
    expect(uploadType('notes.docx')).toBeNull()
  })
})
