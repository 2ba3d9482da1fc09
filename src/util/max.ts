/** The largest of `values`, at least `floor`: a loop, because `Math.max(...values)` overflows the stack past ~100,000 values. */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}
