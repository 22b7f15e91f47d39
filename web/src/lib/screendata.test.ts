import { describe, expect, it } from 'vitest'
import type { StatsRow } from './types'
import { classMix, dailySeries, fitStage, formatCount, formatRate, rankRegions, totalCount } from './screendata'

function row(keys: Record<string, string | null>, count: number, rates: Partial<StatsRow['rates']> = {}): StatsRow {
  return {
    keys,
    count,
    rates: { due: 0, closed: 0, closed_on_time: 0, rated: 0, satisfied: 0, closure_rate: null, on_time_rate: null, satisfaction_rate: null, ...rates },
    mean_handling_hours: null,
    resolved_share: {},
  }
}

describe('fitStage', () => {
  it('fills a 16:9 window exactly', () => expect(fitStage(1920, 1080)).toEqual({ scale: 1, left: 0, top: 0 }))
  it('letterboxes a wider window, centred', () => {
    expect(fitStage(2560, 1080)).toEqual({ scale: 1, left: 320, top: 0 })
  })
  it('shrinks into a smaller, taller window', () => {
    const fit = fitStage(960, 1000)
    expect(fit.scale).toBe(0.5)
    expect(fit.left).toBe(0)
    expect(fit.top).toBe(230)
  })
})

describe('formatRate and formatCount', () => {
  it('shows one decimal and a percent sign', () => {
    expect(formatRate(93.72)).toBe('93.7%')
    expect(formatRate(100)).toBe('100.0%')
    expect(formatRate(0)).toBe('0.0%')
  })
  it('shows a dash without a rate', () => {
    expect(formatRate(null)).toBe('—')
    expect(formatRate(undefined)).toBe('—')
    expect(formatRate(Number.NaN)).toBe('—')
  })
  it('shows whole counts plainly', () => {
    expect(formatCount(12345)).toBe('12345')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(null)).toBe('—')
  })
  it('totals rows, zero when none matched', () => {
    expect(totalCount([row({}, 42)])).toBe(42)
    expect(totalCount([])).toBe(0)
  })
})

describe('dailySeries', () => {
  it('fills every day of the period, zero where nothing was reported', () => {
    const s = dailySeries(
      [row({ day: '2026-11-20' }, 5, { closed: 3 }), row({ day: '2026-11-22' }, 7, { closed: 1 }), row({ day: '2026-10-01' }, 99)],
      '2026-11-20',
      '2026-11-22',
    )
    expect(s).toEqual({ days: ['2026-11-20', '2026-11-21', '2026-11-22'], reported: [5, 0, 7], closed: [3, 0, 1] })
  })
})

describe('rankRegions', () => {
  const names = new Map([['440507', '龙湖区'], ['440511', '金平区'], ['440512', '濠江区']])
  const rows = [
    row({ region: '440507' }, 100, { due: 80, closure_rate: 90, on_time_rate: 70 }),
    row({ region: '440511' }, 120, { due: 90, closure_rate: 95.5, on_time_rate: 80 }),
    row({ region: '440512' }, 50, { due: 40, closure_rate: 90, on_time_rate: 85 }),
    row({ region: '440513' }, 10, { due: 0 }),
    row({ region: null }, 4, { due: 4, closure_rate: 100 }),
  ]
  it('ranks by closure rate, then on-time rate, leaving out regions with nothing due or no region', () => {
    const ranked = rankRegions(rows, (c) => names.get(c), 10)
    expect(ranked.map((r) => r.name)).toEqual(['金平区', '濠江区', '龙湖区'])
    expect(ranked[0]).toEqual({ code: '440511', name: '金平区', closure: 95.5, onTime: 80, due: 90, count: 120 })
  })
  it('keeps the top of the ranking and names unknown regions by code', () => {
    const ranked = rankRegions(rows, () => undefined, 2)
    expect(ranked.map((r) => r.name)).toEqual(['440511', '440512'])
  })
})

describe('classMix', () => {
  const name = (c: string) => ({ '01': '市容环境', '02': '宣传广告', '03': '施工管理', '13': '矛盾纠纷' })[c] ?? c
  it('names classes, largest first', () => {
    const mix = classMix([row({ class: '01' }, 5), row({ class: '13' }, 9), row({ class: '02' }, 0)], name, 5, '其他')
    expect(mix).toEqual([
      { code: '13', name: '矛盾纠纷', value: 9 },
      { code: '01', name: '市容环境', value: 5 },
    ])
  })
  it('folds the small classes and the unclassed into one slice', () => {
    const mix = classMix(
      [row({ class: '01' }, 50), row({ class: '13' }, 30), row({ class: '02' }, 5), row({ class: '03' }, 4), row({ class: null }, 1)],
      name,
      3,
      '其他',
    )
    expect(mix).toEqual([
      { code: '01', name: '市容环境', value: 50 },
      { code: '13', name: '矛盾纠纷', value: 30 },
      { code: '', name: '其他', value: 10 },
    ])
  })
})
