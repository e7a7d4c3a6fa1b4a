import type { SaveFileResult } from './desktop-bridge';

/** Offers text or bytes as a download through a Blob URL and a temporary `<a download>`; the URL is revoked afterwards. */
export function downloadFile(suggestedName: string, content: string | Uint8Array, mimeType: string): Promise<SaveFileResult> {
  const blob = new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type: mimeType });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = suggestedName;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers; a minute is plenty for it to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return Promise.resolve({ saved: true });
}
