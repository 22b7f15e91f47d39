// The big screen's charts as ECharts options: the daily trend, the category
// mix and the rankings, in the screen's dark palette. Pure builders, so what
// a chart shows is tested without a canvas.

import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { DailySeries, MixItem, RankItem } from './screendata'

export type ScreenChartOption = ComposeOption<
  LineSeriesOption | BarSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

/** The screen's chart colours: cyan, green, gold, then the rest of the palette for the mix. */
export const SCREEN_COLOURS = ['#3ba8ff', '#36d399', '#ffc53d', '#ff7a45', '#b37feb', '#5cdbd3', '#ff85c0', '#95de64', '#adc6ff']

const TEXT = '#a9bedf'
const GRID_LINE = 'rgba(95, 168, 255, 0.14)'
const TOOLTIP: TooltipComponentOption = {
  backgroundColor: 'rgba(6, 18, 43, 0.92)',
  borderColor: '#1f4f8f',
  textStyle: { color: '#e6f0ff' },
}
const LEGEND: LegendComponentOption = { top: 0, right: 8, textStyle: { color: TEXT, fontSize: 14 }, itemWidth: 14, itemHeight: 8 }

/** `YYYY-MM-DD` as the axis shows it, `MM-DD`. */
export function shortDay(day: string): string {
  return day.length >= 10 ? day.slice(5, 10) : day
}

/** The trend chart: events reported each day, and how many of those are closed now. */
export function trendOption(series: DailySeries, names: { reported: string; closed: string }): ScreenChartOption {
  return {
    color: [SCREEN_COLOURS[0], SCREEN_COLOURS[1]],
    tooltip: { ...TOOLTIP, trigger: 'axis' },
    legend: { ...LEGEND, data: [names.reported, names.closed] },
    grid: { left: 44, right: 16, top: 36, bottom: 28 },
    xAxis: {
      type: 'category',
      boundaryGap: false,
      data: series.days.map(shortDay),
      axisLabel: { color: TEXT, fontSize: 12 },
      axisLine: { lineStyle: { color: GRID_LINE } },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { color: TEXT, fontSize: 12 },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    series: [
      {
        name: names.reported,
        type: 'line',
        smooth: true,
        showSymbol: false,
        data: series.reported,
        lineStyle: { width: 3 },
        areaStyle: { opacity: 0.18 },
      },
      { name: names.closed, type: 'line', smooth: true, showSymbol: false, data: series.closed, lineStyle: { width: 2 } },
    ],
  }
}

/** The category mix as a ring, largest class first. */
export function mixOption(items: MixItem[]): ScreenChartOption {
  return {
    color: SCREEN_COLOURS,
    tooltip: { ...TOOLTIP, trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    series: [
      {
        type: 'pie',
        radius: ['42%', '68%'],
        center: ['50%', '54%'],
        minAngle: 3,
        itemStyle: { borderColor: '#06122b', borderWidth: 2 },
        label: { color: TEXT, fontSize: 13, formatter: '{b}\n{d}%' },
        labelLine: { lineStyle: { color: GRID_LINE } },
        data: items.map((i) => ({ name: i.name, value: i.value })),
      },
    ],
  }
}

/** A rate rounded to the one decimal the screen shows everywhere. */
export function oneDecimal(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 10) / 10
}

/** A ranking as horizontal bars of 结案率 and 按期结案率, the best region on top. */
export function rankOption(items: RankItem[], names: { closure: string; onTime: string }): ScreenChartOption {
  const bar = (name: string, data: (number | null)[]): BarSeriesOption => ({
    name,
    type: 'bar',
    barMaxWidth: 12,
    barGap: '20%',
    data,
    label: { show: true, position: 'right', color: TEXT, fontSize: 12, formatter: '{c}%' },
  })
  return {
    color: [SCREEN_COLOURS[0], SCREEN_COLOURS[2]],
    tooltip: { ...TOOLTIP, trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { ...LEGEND, data: [names.closure, names.onTime] },
    grid: { left: 8, right: 56, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'value', max: 100, show: false },
    yAxis: {
      type: 'category',
      inverse: true,
      data: items.map((i) => i.name),
      axisLabel: { color: TEXT, fontSize: 13 },
      axisLine: { lineStyle: { color: GRID_LINE } },
      axisTick: { show: false },
    },
    series: [bar(names.closure, items.map((i) => oneDecimal(i.closure))), bar(names.onTime, items.map((i) => oneDecimal(i.onTime)))],
  }
}
