/**
 * Puts text on the clipboard. `navigator.clipboard.writeText` first; where it is refused (the desktop app denies
 * every permission request, `clipboard-sanitized-write` included) a hidden textarea and `execCommand('copy')`,
 * which needs no permission inside a click. Rejects when neither worked.
 */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Fall through to the older way.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } finally {
    area.remove();
  }
  if (!copied) throw new Error('the clipboard refused the text');
}
