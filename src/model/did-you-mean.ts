/**
 * "Did you mean …?" suggestions for unknown names (groups, tags, columns, attributes). One
 * helper so every diagnostic suggests the same way.
 */

/** Edit distance (insert, delete, substitute; each costs 1) between two strings. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Two rolling rows keep this O(min) in memory; names are short, so time does not matter.
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The candidate a person most likely meant by `name`, or undefined. Case is ignored; a candidate
 * qualifies when it is within edit distance 2 (but not a complete rewrite of a short name), or
 * when one name is a prefix of the other (at least 3 characters long). Ties go to the
 * alphabetically first candidate so that messages are stable.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const distance = levenshtein(wanted, c);
    let score: number | undefined;
    // A distance equal to the shorter length means nothing was kept: not a typo, a different name.
    if (distance <= 2 && distance < Math.min(wanted.length, c.length)) score = distance;
    else if (Math.min(wanted.length, c.length) >= 3 && (c.startsWith(wanted) || wanted.startsWith(c))) score = 3;
    if (score === undefined) continue;
    if (!best || score < best.score || (score === best.score && candidate < best.candidate)) best = { candidate, score };
  }
  return best?.candidate;
}
