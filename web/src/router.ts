// Pages and who may open them. Every page but sign-in loads on demand, so
// the citizen's phone never downloads the map or the charts.

import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { loadSession, session } from './lib/session'
import { homeOf } from './lib/home'

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', redirect: () => homeOf(session.user) },
  { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
  { path: '/map', name: 'map', component: () => import('./pages/MapPage.vue') },
  { path: '/workbench', name: 'workbench', component: () => import('./pages/WorkbenchPage.vue') },
  { path: '/events/:number', name: 'event', component: () => import('./pages/EventPage.vue'), props: true },
  { path: '/screen', name: 'screen', component: () => import('./pages/ScreenPage.vue'), meta: { bare: true } },
  { path: '/grid', name: 'grid', component: () => import('./pages/GridWorkerPage.vue'), meta: { phone: true } },
  { path: '/department', name: 'department', component: () => import('./pages/DepartmentPage.vue') },
  { path: '/citizen', name: 'citizen', component: () => import('./pages/CitizenPage.vue'), meta: { phone: true } },
  { path: '/indices', name: 'indices', component: () => import('./pages/IndicesPage.vue') },
  { path: '/admin', name: 'admin', component: () => import('./pages/AdminPage.vue') },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession()
  if (to.meta.public) return true
  if (!session.user) return { name: 'login', query: { next: to.fullPath } }
  return true
})
