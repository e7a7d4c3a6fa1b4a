/** Text made safe for an HTML page: in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A note the user wrote, as HTML: plain text (nothing in it is markup), a blank line between paragraphs, single line
 * breaks kept. Empty for a note of only white space.
 */
export function noteHtml(note: string): string {
  return note
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => `<p>${paragraph.split('\n').map(escapeHtml).join('<br>')}</p>`)
    .join('\n');
}
