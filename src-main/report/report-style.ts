/**
 * The report's style sheet, inline in its `<style>` (the page loads nothing). On screen: one readable column, tables
 * that scroll sideways when wide. In print: A4 landscape, each section from a new page, no chart or table row cut
 * across pages, the table head repeated, colours kept.
 */
export const REPORT_STYLE = `
:root { color-scheme: light; --muted: #64748b; --line: #e2e8f0; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; color: #0f172a; background: #ffffff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
section { margin-top: 28px; }
.meta, .muted, .method { color: var(--muted); }
.meta { margin: 0 0 12px; font-size: 13px; }
.store { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; }
.note { border-left: 3px solid #4e79a7; padding: 2px 0 2px 14px; margin: 12px 0 0; max-width: 80ch; }
.note p { margin: 0 0 8px; white-space: normal; overflow-wrap: anywhere; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
thead th { vertical-align: bottom; }
thead th { background: #f8fafc; font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.key, th.key { padding-right: 0; width: 14px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.id { color: var(--muted); font-variant-numeric: tabular-nums; }
.legend { list-style: none; padding: 0; margin: 0 0 12px; display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 12px; }
.legend li { white-space: nowrap; max-width: 28ch; overflow: hidden; text-overflow: ellipsis; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
.small-multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
figure { margin: 0; }
figure.chart { border: 1px solid var(--line); border-radius: 6px; padding: 4px; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { display: block; width: 100%; height: auto; }
.differences th[scope="row"] { font-weight: normal; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; font-size: 13px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.scale { display: flex; align-items: center; gap: 8px; font-size: 12px; color: var(--muted); margin: 0 0 8px; }
.ramp { display: inline-block; width: 160px; height: 10px; border-radius: 2px; }
.ring { display: inline-block; width: 10px; height: 10px; border: 1.5px solid #94a3b8; border-radius: 50%; }
table.importance { width: 100%; max-width: 820px; }
.bar-cell { width: 50%; }
.bar { display: block; height: 10px; background: #eef2f7; border-radius: 2px; overflow: hidden; }
.bar .fill { display: block; height: 100%; background: #2563eb; }
.method { font-size: 12px; max-width: 100ch; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section { margin-top: 0; break-before: page; page-break-before: always; }
  section#runs, section#sweep + section { break-before: auto; page-break-before: auto; }
  section#runs, section#sampled { margin-top: 16px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .wide { overflow: visible; }
  table { font-size: 7.5pt; width: 100%; }
  th, td { padding: 2px 4px; white-space: normal; }
  td { overflow-wrap: anywhere; }
  thead { display: table-header-group; }
  thead th { position: static; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  .charts { gap: 8px; }
  figure.chart { border: none; padding: 0; }
  .small-multiples { grid-template-columns: repeat(3, minmax(0, 1fr)); }
}
`;
