// A self-contained HTML page: inline CSS and inline SVG charts, no scripts or network fetches, opens offline.

export interface Section {
  title: string;
  /** Trusted markup: SVG from renderSvg or tables from `table`. */
  html: string;
}

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function table(header: string[], rows: Array<Array<string | number | boolean | null>>): string {
  const cell = (v: string | number | boolean | null): string => esc(v === null ? '—' : typeof v === 'number' ? fmtNum(v) : String(v));
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A table cell: text, or text with a class and attributes (data-* for tests and tools reading the page). */
export type Cell = string | { text: string; cls?: string; attr?: Record<string, string> };

/** A table whose cells may carry classes (signs coloured, key figures bold); every text is escaped. */
export function richTable(header: string[], rows: Cell[][], cls = ''): string {
  const td = (c: Cell): string => {
    if (typeof c === 'string') return `<td>${esc(c)}</td>`;
    const attrs = Object.entries(c.attr ?? {}).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
    return `<td${c.cls ? ` class="${esc(c.cls)}"` : ''}${attrs}>${esc(c.text)}</td>`;
  };
  return `<table${cls ? ` class="${esc(cls)}"` : ''}><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('')}</tbody></table>`;
}

export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(2) : a >= 1 ? x.toFixed(4) : x.toPrecision(4);
}

export function page(title: string, summaryHtml: string, sections: Section[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:24px auto;max-width:900px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td:first-child{text-align:left}.pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}
.verdict{font-size:18px;padding:8px 12px;border-radius:6px;display:inline-block}.go{background:#e6f4ea}.nogo{background:#fdecea}
svg{max-width:100%;height:auto}
.pos{color:#1a7f37}.neg{color:#c62828}.note{color:#555;font-size:12px;margin:2px 0 10px}
table.headline td:first-child{text-align:left;white-space:pre}table.headline td:last-child{text-align:left;color:#555}
table.headline td.key{font-weight:700;font-size:15px}table.headline td.sub{color:#444}
table.events td,table.events th{text-align:left}table.fills td{white-space:nowrap}table.orders td:first-child{white-space:pre}h3{font-size:14px;margin-top:18px}
</style></head><body>
<h1>${esc(title)}</h1>
${summaryHtml}
${sections.map((s) => `<h2>${esc(s.title)}</h2>\n${s.html}`).join('\n')}
</body></html>
`;
}
