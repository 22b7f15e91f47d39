import { describe, expect, it } from 'vitest'
import { mixOption, oneDecimal, rankOption, shortDay, trendOption } from './screencharts'

type Series = { name?: string; type: string; data: unknown[] }
const seriesOf = (option: { series?: unknown }) => option.series as Series[]

describe('trendOption', () => {
  it('plots reported and closed per day on a day axis', () => {
    const option = trendOption(
      { days: ['2026-11-21', '2026-11-22'], reported: [4, 6], closed: [3, 1] },
      { reported: '上报', closed: '其中已办结' },
    )
    expect((option.xAxis as { data: string[] }).data).toEqual(['11-21', '11-22'])
    expect(seriesOf(option).map((s) => [s.name, s.type, s.data])).toEqual([
      ['上报', 'line', [4, 6]],
      ['其中已办结', 'line', [3, 1]],
    ])
  })
})

describe('mixOption', () => {
  it('draws one ring slice per class', () => {
    const option = mixOption([
      { code: '13', name: '矛盾纠纷', value: 9 },
      { code: '01', name: '市容环境', value: 5 },
    ])
    const [pie] = seriesOf(option)
    expect(pie.type).toBe('pie')
    expect(pie.data).toEqual([
      { name: '矛盾纠纷', value: 9 },
      { name: '市容环境', value: 5 },
    ])
  })
})

describe('rankOption', () => {
  it('lists regions best first with both rates to one decimal', () => {
    const option = rankOption(
      [
        { code: '440511', name: '金平区', closure: 95.56, onTime: 80.04, due: 90, count: 120 },
        { code: '440512', name: '濠江区', closure: 90, onTime: null, due: 40, count: 50 },
      ],
      { closure: '结案率', onTime: '按期结案率' },
    )
    expect((option.yAxis as { data: string[]; inverse: boolean }).data).toEqual(['金平区', '濠江区'])
    expect((option.yAxis as { inverse: boolean }).inverse).toBe(true)
    expect(seriesOf(option).map((s) => [s.name, s.data])).toEqual([
      ['结案率', [95.6, 90]],
      ['按期结案率', [80, null]],
    ])
  })
})

describe('shortDay and oneDecimal', () => {
  it('shortens days and rounds rates', () => {
    expect(shortDay('2026-11-22')).toBe('11-22')
    expect(oneDecimal(93.75)).toBe(93.8)
    expect(oneDecimal(null)).toBeNull()
  })
})
