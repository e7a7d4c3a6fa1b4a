import type { Attachment } from 'svelte/attachments';

/**
 * Makes a whole table row open something when clicked (a trial's run), as a convenience for the mouse: the row keeps
 * a real link in one of its cells for the keyboard and for screen readers. Clicks on the row's own links, buttons and
 * inputs, and clicks that end a text selection, are left alone.
 */
export function rowLink(open: (() => void) | null): Attachment<HTMLElement> {
  return (row) => {
    if (!open) return;
    const onclick = (event: MouseEvent): void => {
      if (event.target instanceof Element && event.target.closest('a, button, input, select, label')) return;
      if ((window.getSelection()?.toString() ?? '') !== '') return;
      open();
    };
    row.addEventListener('click', onclick);
    row.classList.add('row-link');
    return () => {
      row.removeEventListener('click', onclick);
      row.classList.remove('row-link');
    };
  };
}
