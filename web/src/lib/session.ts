// Who is signed in: one reactive record shared by every page, filled from
// `GET /api/v1/session` when the app starts and by each sign-in.

import { reactive } from 'vue'
import { del, get, post, setCsrfToken } from './api'
import type { SessionAnswer, User } from './types'

export const session = reactive<{ user: User | null; mustChangePassword: boolean; loaded: boolean }>({
  user: null,
  mustChangePassword: false,
  loaded: false,
})

function remember(answer: SessionAnswer): User {
  setCsrfToken(answer.csrf_token)
  session.user = answer.user
  session.mustChangePassword = answer.must_change_password
  session.loaded = true
  return answer.user
}

/** Reads the current session, if the cookie still holds one. */
export async function loadSession(): Promise<User | null> {
  try {
    return remember(await get<SessionAnswer>('/session'))
  } catch {
    session.user = null
    session.loaded = true
    return null
  }
}

/** Signs a staff member in with login and password. */
export async function signIn(login: string, password: string): Promise<User> {
  return remember(await post<SessionAnswer>('/session', { login, password }))
}

/** Asks for a one-time code by SMS. */
export async function sendCode(phone: string): Promise<void> {
  await post('/session/code', { phone })
}

/** Signs a citizen in with phone and one-time code. */
export async function signInWithCode(phone: string, code: string): Promise<User> {
  return remember(await post<SessionAnswer>('/session/citizen', { phone, code }))
}

/** Ends the session. */
export async function signOut(): Promise<void> {
  try {
    await del('/session')
  } finally {
    session.user = null
    setCsrfToken('')
  }
}

/** Whether the signed-in user holds `permission`. */
export function can(permission: string): boolean {
  return session.user?.permissions.includes(permission) ?? false
}
