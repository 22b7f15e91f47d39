// The basemap settings a page with a MapCanvas asks the server for before
// it makes the map: the map is made once they are known, or without a
// basemap when they failed to load.

import { computed, nextTick, ref, shallowRef, type ComputedRef, type Ref } from 'vue'
import { get } from './api'
import type { MapSettings } from './mapdata'

/** The basemap props MapCanvas takes. */
export interface BasemapProps {
  basemap?: string
  attribution?: string
}

/** The props MapCanvas takes from `settings`: none where there is no basemap or no settings. */
export function basemapProps(settings: MapSettings | null): BasemapProps {
  return { basemap: settings?.basemap ?? undefined, attribution: settings?.attribution ?? undefined }
}

/** A page's basemap settings, asked for by `settle`. */
export interface Basemap {
  /** True once the settings are known or failed to load: the map may then be made. */
  settled: Ref<boolean>
  /** The props to bind on MapCanvas. */
  props: ComputedRef<BasemapProps>
  /** Loads the settings and waits for the map their arrival lets the page make. */
  settle: () => Promise<void>
}

/** The basemap settings of a page with a MapCanvas. */
export function useBasemap(): Basemap {
  const settings = shallowRef<MapSettings | null>(null)
  const settled = ref(false)
  const props = computed(() => basemapProps(settings.value))
  async function settle(): Promise<void> {
    settings.value = await get<MapSettings>('/map/settings').catch(() => null)
    settled.value = true
    await nextTick()
  }
  return { settled, props, settle }
}
