import { describe, expect, it } from 'vitest'
import { basemapProps } from './basemap'

describe('basemapProps', () => {
  it('passes a configured basemap and its credit', () => {
    expect(basemapProps({ basemap: 'https://tiles/{z}/{x}/{y}.png', attribution: '© Tiles' })).toEqual({
      basemap: 'https://tiles/{z}/{x}/{y}.png',
      attribution: '© Tiles',
    })
  })

  it('leaves both out without settings or without a basemap', () => {
    expect(basemapProps(null)).toEqual({ basemap: undefined, attribution: undefined })
    expect(basemapProps({ basemap: null, attribution: null })).toEqual({ basemap: undefined, attribution: undefined })
  })
})
