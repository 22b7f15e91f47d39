// Photos are uploaded before the report or step that cites them; each is
// named by the SHA-256 of its bytes, so sending one twice stores it once.
// Also the redraw both photo inputs use to make a photo small enough to send.

import { post } from './api'

interface Uploaded {
  id: string
  content_type: string
  size: number
}

/** Uploads one photo (JPEG, PNG or WebP, at most 8 MiB) and returns its id. */
export async function uploadPhoto(photo: Blob): Promise<string> {
  const answer = await post<Uploaded>('/attachments', undefined, { raw: photo })
  return answer.id
}

/** The address a stored photo is shown from. */
export function photoUrl(id: string): string {
  return `/api/v1/attachments/${encodeURIComponent(id)}`
}

/**
 * Redraws `bitmap` as a JPEG (quality 0.85) at most `maxSide` pixels on its
 * longest side, never enlarged, and closes the bitmap; null when the browser
 * cannot encode it.
 */
export async function redrawAsJpeg(bitmap: ImageBitmap, maxSide: number): Promise<Blob | null> {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height))
  const canvas = document.createElement('canvas')
  canvas.width = Math.round(bitmap.width * scale)
  canvas.height = Math.round(bitmap.height * scale)
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
  bitmap.close()
  return new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85))
}
