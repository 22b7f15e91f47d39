// The map's style, built in code so it works on an intranet: a background,
// an optional raster basemap from configuration, and our GeoJSON sources and
// layers. No glyphs and no sprite, so no symbol layers: names are HTML
// markers. Shared by the map page (light) and the big screen (dark).

import type { MapOptions } from 'maplibre-gl'
import type { FeatureCollection } from 'geojson'

export type StyleSpec = Exclude<MapOptions['style'], string | undefined>
export type LayerSpec = StyleSpec['layers'][number]
type FilterSpec = NonNullable<Extract<LayerSpec, { type: 'line' }>['filter']>

/** The colours of a region's warning level. */
export const WARNING_COLOURS = { green: '#2e9e5b', yellow: '#f0b400', red: '#d63031' } as const

/** The colours of an event's SLA clock; grey where none runs. */
export const SLA_COLOURS = { ...WARNING_COLOURS, none: '#8c96a5' } as const

export type MapTheme = 'light' | 'dark'

interface Palette {
  background: string
  regionLine: string
  selected: string
  pointStroke: string
  fillOpacity: number
  hoverOpacity: number
}

const PALETTES: Record<MapTheme, Palette> = {
  light: { background: '#eef1f5', regionLine: '#5b6b7f', selected: '#1f6feb', pointStroke: '#ffffff', fillOpacity: 0.28, hoverOpacity: 0.5 },
  dark: { background: '#06122b', regionLine: '#5fa8ff', selected: '#ffe066', pointStroke: '#0b1a3a', fillOpacity: 0.32, hoverOpacity: 0.5 },
}

/** Source ids. */
export const SOURCE = { basemap: 'basemap', regions: 'regions', hex: 'hex', events: 'events' } as const

/** Layer ids, bottom to top. */
export const LAYER = {
  background: 'background',
  basemap: 'basemap',
  regionsFill: 'regions-fill',
  hexFill: 'hex-fill',
  regionsLine: 'regions-line',
  regionsSelected: 'regions-selected',
  clusters: 'event-clusters',
  points: 'event-points',
} as const

/** The layers each switch of the map shows or hides. */
export const LAYER_GROUPS = {
  regions: [LAYER.regionsFill, LAYER.regionsLine, LAYER.regionsSelected],
  hex: [LAYER.hexFill],
  points: [LAYER.clusters, LAYER.points],
} as const

export type LayerGroup = keyof typeof LAYER_GROUPS

/** Which groups of layers show. */
export type LayerSwitches = Record<LayerGroup, boolean>

/** What the style is built from. */
export interface StyleOptions {
  theme: MapTheme
  /** Whether points gather into clusters (the map page) or each shows (the screen's few overdue events). */
  cluster: boolean
  /** Which groups of layers show at first. */
  visible: LayerSwitches
  /** A raster tile URL template (`…/{z}/{x}/{y}.png`) drawn under our layers, when configured. */
  basemap?: string
}

/** A FeatureCollection with no features, what every source starts with. */
export function emptyCollection(): FeatureCollection {
  return { type: 'FeatureCollection', features: [] }
}

/** The filter of the outline of the selected region (none selected: matches nothing). */
export function selectedFilter(code: string | null): FilterSpec {
  return ['==', ['get', 'code'], code ?? '']
}

const visibility = (on: boolean) => (on ? 'visible' : 'none') as 'visible' | 'none'

function regionLayers(p: Palette, visible: boolean): LayerSpec[] {
  const layout = { visibility: visibility(visible) }
  return [
    {
      id: LAYER.regionsFill,
      type: 'fill',
      source: SOURCE.regions,
      layout,
      paint: {
        'fill-color': ['match', ['get', 'warning'], 'red', WARNING_COLOURS.red, 'yellow', WARNING_COLOURS.yellow, WARNING_COLOURS.green],
        'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], p.hoverOpacity, p.fillOpacity],
      },
    },
  ]
}

function outlineLayers(p: Palette, visible: boolean): LayerSpec[] {
  const layout = { visibility: visibility(visible) }
  return [
    {
      id: LAYER.regionsLine,
      type: 'line',
      source: SOURCE.regions,
      layout,
      paint: { 'line-color': p.regionLine, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 1.6], 'line-opacity': 0.9 },
    },
    {
      id: LAYER.regionsSelected,
      type: 'line',
      source: SOURCE.regions,
      layout,
      filter: selectedFilter(null),
      paint: { 'line-color': p.selected, 'line-width': 3 },
    },
  ]
}

function hexLayers(visible: boolean): LayerSpec[] {
  return [
    {
      id: LAYER.hexFill,
      type: 'fill',
      source: SOURCE.hex,
      layout: { visibility: visibility(visible) },
      paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.72, 'fill-outline-color': 'rgba(255,255,255,0.45)' },
    },
  ]
}

function eventLayers(p: Palette, visible: boolean): LayerSpec[] {
  const layout = { visibility: visibility(visible) }
  return [
    {
      id: LAYER.clusters,
      type: 'circle',
      source: SOURCE.events,
      filter: ['has', 'point_count'],
      layout,
      paint: {
        'circle-color': ['case', ['>', ['get', 'red'], 0], SLA_COLOURS.red, ['>', ['get', 'yellow'], 0], SLA_COLOURS.yellow, SLA_COLOURS.green],
        'circle-radius': ['step', ['get', 'point_count'], 11, 50, 15, 500, 20, 5000, 26],
        'circle-opacity': 0.82,
        'circle-stroke-color': p.pointStroke,
        'circle-stroke-width': 2,
      },
    },
    {
      id: LAYER.points,
      type: 'circle',
      source: SOURCE.events,
      filter: ['!', ['has', 'point_count']],
      layout,
      paint: {
        'circle-color': ['match', ['get', 'colour'], 'red', SLA_COLOURS.red, 'yellow', SLA_COLOURS.yellow, 'green', SLA_COLOURS.green, SLA_COLOURS.none],
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 2.5, 13, 4.5, 17, 7],
        'circle-stroke-color': p.pointStroke,
        'circle-stroke-width': 1,
      },
    },
  ]
}

/**
 * The whole style: background, the basemap when configured, region fills,
 * the heat layer over them, region outlines over the heat, and events on
 * top. Every source starts empty and is filled with `setData`.
 */
export function mapStyle(options: StyleOptions): StyleSpec {
  const p = PALETTES[options.theme]
  const style: StyleSpec = {
    version: 8,
    sources: {
      [SOURCE.regions]: { type: 'geojson', data: emptyCollection(), promoteId: 'code' },
      [SOURCE.hex]: { type: 'geojson', data: emptyCollection() },
      [SOURCE.events]: {
        type: 'geojson',
        data: emptyCollection(),
        cluster: options.cluster,
        clusterRadius: 48,
        clusterMaxZoom: 15,
        clusterProperties: {
          red: ['+', ['case', ['==', ['get', 'colour'], 'red'], 1, 0]],
          yellow: ['+', ['case', ['==', ['get', 'colour'], 'yellow'], 1, 0]],
        },
      },
    },
    layers: [
      { id: LAYER.background, type: 'background', paint: { 'background-color': p.background } },
      ...regionLayers(p, options.visible.regions),
      ...hexLayers(options.visible.hex),
      ...outlineLayers(p, options.visible.regions),
      ...eventLayers(p, options.visible.points),
    ],
  }
  if (options.basemap) {
    style.sources[SOURCE.basemap] = { type: 'raster', tiles: [options.basemap], tileSize: 256 }
    style.layers.splice(1, 0, { id: LAYER.basemap, type: 'raster', source: SOURCE.basemap })
  }
  return style
}
