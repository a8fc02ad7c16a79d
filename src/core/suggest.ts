// Close-name suggestions for unknown names: exchange ids, symbols, config keys ("did you mean ...").

/** Edit distance (insert, delete, substitute), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length]!;
}

/** Up to `max` candidates closest to `name` (prefix and substring matches first), within a sensible distance. */
export function closeNames(name: string, candidates: readonly string[], max = 5): string[] {
  const n = name.toLowerCase();
  const scored = candidates.map((c) => {
    const l = c.toLowerCase();
    let d = editDistance(n, l);
    if (l.startsWith(n) || n.startsWith(l)) d = Math.min(d, 1);
    else if (Math.min(l.length, n.length) >= 3 && (l.includes(n) || n.includes(l))) d = Math.min(d, 2);
    return { c, d };
  });
  const limit = Math.max(2, Math.floor(n.length / 3));
  return scored
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map((x) => x.c);
}
