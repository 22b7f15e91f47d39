// Where each role lands after signing in.

import type { User } from './types'

const HOMES: Record<string, string> = {
  citizen: '/citizen',
  grid_worker: '/grid',
  department_handler: '/department',
  mediator: '/department',
  leader: '/screen',
  admin: '/admin',
  operator: '/workbench',
  supervisor: '/workbench',
}

/** The first page of `user`; the sign-in page for nobody. */
export function homeOf(user: User | null): string {
  if (!user) return '/login'
  return HOMES[user.role] ?? '/map'
}

/** The pages `user` sees in the menu, in order. */
export function menuOf(user: User | null): string[] {
  if (!user) return []
  const p = new Set(user.permissions)
  const pages: string[] = []
  if (user.role === 'citizen') return ['citizen']
  if (p.has('events.read')) pages.push('map', 'workbench')
  if (p.has('statistics.read')) pages.push('screen', 'indices')
  if (user.role === 'grid_worker') pages.unshift('grid')
  if (user.role === 'department_handler' || user.role === 'mediator') pages.unshift('department')
  if (p.has('users.manage') || p.has('rules.edit')) pages.push('admin')
  return pages
}
