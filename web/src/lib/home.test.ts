import { describe, expect, it } from 'vitest'
import { homeOf, menuOf } from './home'
import type { User } from './types'

const user = (role: string, permissions: string[]): User => ({ id: role, name: role, role, permissions })

describe('homeOf', () => {
  it('sends nobody to sign in', () => expect(homeOf(null)).toBe('/login'))
  it('lands each role on its own page', () => {
    expect(homeOf(user('citizen', ['events.report']))).toBe('/citizen')
    expect(homeOf(user('grid_worker', []))).toBe('/grid')
    expect(homeOf(user('department_handler', []))).toBe('/department')
    expect(homeOf(user('operator', []))).toBe('/workbench')
    expect(homeOf(user('leader', []))).toBe('/screen')
  })
  it('lands a role a city defined on the map', () => expect(homeOf(user('inspector', ['events.read']))).toBe('/map'))
})

describe('menuOf', () => {
  it('gives a citizen only the citizen page', () => {
    expect(menuOf(user('citizen', ['events.report', 'events.read']))).toEqual(['citizen'])
  })
  it('follows permissions, not role names', () => {
    expect(menuOf(user('operator', ['events.read', 'statistics.read']))).toEqual(['map', 'workbench', 'screen', 'indices'])
    expect(menuOf(user('admin', ['users.manage', 'rules.edit']))).toEqual(['admin'])
    expect(menuOf(user('grid_worker', ['events.read']))).toEqual(['grid', 'map', 'workbench'])
  })
})
