import type { Observation, ObservedRow } from './check.js';

/**
 * Change tracking for the exposure harness, the same for every target: a probe reads what each
 * principal sees of each object (a view, a table under its policies) only when something that read
 * depends on changed since the last step — the target says what by printing, per step, each
 * object and each principal (PostgreSQL: the catalog rows a view's SELECT and a probe role's
 * closure depend on) — and an observation nothing re-read is handed back as the very same object,
 * so the runner skips checking it again (exposure.ts).
 */
export interface StepPrints {
  /** Per object: everything a read of it depends on, as one text. */
  readonly objects: ReadonlyMap<string, string>;
  /** Per principal: what its reads depend on beyond the objects. */
  principal(principal: readonly string[]): string;
}

const NOT_READABLE: Observation = { readable: false, rows: [] };
const keyOf = (principal: readonly string[], object: string) => `${principal.join('\u0000')}\u0001${object}`;

export class ObservationCache {
  /** Rows each principal read of each object (null: not readable), from the step that last read it. */
  private readonly seen = new Map<string, readonly ObservedRow[] | null>();
  /** The last observation of each principal × table, and the reads it was assembled from. */
  private readonly assembled = new Map<string, { from: (readonly ObservedRow[] | null)[]; observation: Observation }>();
  private previous: StepPrints | undefined;
  private readonly previousPrincipal = new Map<string, string>();

  /** The reads a step needs: per principal, every object never read, or whose print or the principal's changed (all of them without prints). */
  stale(principals: readonly (readonly string[])[], objects: readonly string[], now: StepPrints | undefined): { principal: readonly string[]; objects: string[] }[] {
    const out: { principal: readonly string[]; objects: string[] }[] = [];
    for (const p of principals) {
      const samePrincipal = now !== undefined && this.previous !== undefined && now.principal(p) === this.previousPrincipal.get(p.join('\u0000'));
      const stale = objects.filter((o) => !samePrincipal || now!.objects.get(o) !== this.previous!.objects.get(o) || !this.seen.has(keyOf(p, o)));
      if (stale.length) out.push({ principal: p, objects: stale });
    }
    return out;
  }

  /** What a principal read of an object this step (null: not readable). */
  put(principal: readonly string[], object: string, rows: readonly ObservedRow[] | null): void {
    this.seen.set(keyOf(principal, object), rows);
  }

  /** Ends a step's reads: its prints are what the next step compares with. */
  settle(principals: readonly (readonly string[])[], now: StepPrints | undefined): void {
    this.previous = now;
    if (now) for (const p of principals) this.previousPrincipal.set(p.join('\u0000'), now.principal(p));
  }

  /** Per principal × table, the rows of the table's objects; the same observation as before when none of its reads changed. */
  observations(principals: readonly (readonly string[])[], tables: readonly string[], objectsOf: readonly (readonly string[])[]): Observation[][] {
    return principals.map((p) =>
      objectsOf.map((os, t) => {
        const key = keyOf(p, `\u0002${tables[t]}`);
        const from = os.map((o) => this.seen.get(keyOf(p, o)) ?? null);
        const last = this.assembled.get(key);
        if (last && last.from.length === from.length && last.from.every((x, i) => x === from[i])) return last.observation;
        const parts = from.filter((x): x is readonly ObservedRow[] => x !== null);
        const observation = parts.length ? { readable: true, rows: parts.flat() } : NOT_READABLE;
        this.assembled.set(key, { from, observation });
        return observation;
      }),
    );
  }
}
