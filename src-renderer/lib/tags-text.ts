// Tags as one line of text (`stage=final, paper=yes`), for editing in place; the exports' `tags` column uses it too.
export { formatTags } from '../../src-shared/format';

const TAG_NAME = /^[\w.-]{1,100}$/;

/**
 * Reads `stage=final, paper=yes, draft` (a name alone is a tag with an empty value). Names: letters, digits, `_`,
 * `.` and `-`, as the host accepts them; values may hold anything but a comma.
 */
export function parseTags(text: string): { tags: Record<string, string> } | { error: string } {
  const tags: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (!TAG_NAME.test(key)) return { error: `"${key}" is not a tag name: letters, digits, _, . and - only` };
    if (value.length > 1000) return { error: `the value of ${key} is longer than 1000 characters` };
    tags[key] = value;
  }
  return { tags };
}

/** What `runs/annotate` needs to go from `before` to `after`: changed tags, and null for removed ones. */
export function tagChanges(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const key of Object.keys(before)) if (!(key in after)) changes[key] = null;
  for (const [key, value] of Object.entries(after)) if (before[key] !== value) changes[key] = value;
  return changes;
}
