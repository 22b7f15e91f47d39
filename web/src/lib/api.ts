// The one way the app talks to gongzhi: JSON over same-origin fetch, the
// session cookie sent automatically, the CSRF token added to every change,
// and errors turned into `ApiError` with both languages' messages.

/** An error answered by the API (its stable JSON body), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageZh: string,
    readonly messageEn: string,
    readonly details?: unknown,
  ) {
    super(messageEn || messageZh || code)
  }

  /** The message in the given locale. */
  localized(locale: string): string {
    return locale.startsWith('zh') ? this.messageZh || this.messageEn : this.messageEn || this.messageZh
  }
}

let csrfToken = ''

/** Remembers the CSRF token the sign-in answered. */
export function setCsrfToken(token: string): void {
  csrfToken = token
}

/** Options of one request. */
export interface RequestOptions {
  /** Makes retries safe: the same key and body return the first answer. */
  idempotencyKey?: string
  /** A raw body (a photo) sent with its own content type. */
  raw?: Blob
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Sends one request to `/api/v1{path}` and decodes the JSON answer. */
export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
  let payload: BodyInit | undefined
  if (options.raw) {
    payload = options.raw
    headers['Content-Type'] = options.raw.type || 'application/octet-stream'
  } else if (body !== undefined) {
    payload = JSON.stringify(body)
    headers['Content-Type'] = 'application/json'
  }
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: payload, credentials: 'same-origin' })
  } catch (e) {
    throw new ApiError(0, 'network', '网络不可用', 'The network is unavailable', String(e))
  }
  const text = await response.text()
  const json = text ? safeParse(text) : undefined
  if (!response.ok) {
    const b = (json ?? {}) as { code?: string; message?: string; message_en?: string; details?: unknown }
    throw new ApiError(response.status, b.code ?? 'http_' + response.status, b.message ?? text, b.message_en ?? text, b.details)
  }
  return json as T
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Query string of the defined, non-empty values of `params`. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

export const get = <T>(path: string) => request<T>('GET', path)
export const post = <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, body, options)
export const put = <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options)
export const del = <T>(path: string) => request<T>('DELETE', path)
