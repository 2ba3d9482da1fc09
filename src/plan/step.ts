import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/**
 * A rendered step: what apply sends to the target to make (part of) one change. Either a SQL
 * statement, or a call to a control-plane API (BigQuery's policy-tag taxonomies and data
 * policies, IAM, table schema patches) — Atlas' `Change{Cmd, Args, Reverse}` with the command
 * typed. A step carries no hazards of its own: the change it belongs to is the unit of ordering,
 * atomicity and review, and every step of it inherits the change's hazards (a step-level list
 * could only disagree with the change's).
 */
export type Step = SqlStep | ApiStep;

export interface SqlStep {
  readonly kind: 'sql';
  readonly text: string;
  /** The statement that undoes it, where the engine has one (shown to reviewers, never run by apply). */
  readonly reverse?: Step;
}

export const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** JSON as a request body holds it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface ApiStep {
  readonly kind: 'api';
  /** The API's host name, e.g. `datacatalog.googleapis.com`. */
  readonly service: string;
  readonly method: ApiMethod;
  /** The resource path, e.g. `v1/projects/p/locations/eu/taxonomies/123/policyTags`. */
  readonly path: string;
  readonly body?: JsonValue;
  /**
   * What makes sending it twice safe, where anything does: `etag`, a precondition the service
   * checks (a second PATCH with a stale etag is refused, never applied twice); `request_id`, an
   * idempotency key the service deduplicates on. Neither: a retry could act twice, so apply
   * never retries it (it never retries any step on its own; this tells a resumed run what it may do).
   */
  readonly idempotency: { readonly etag?: string; readonly request_id?: string };
  readonly reverse?: Step;
}

/** The step as one text: SQL as written; an API call as `METHOD service/path` and its body's canonical JSON. */
export function stepText(step: Step): string {
  if (step.kind === 'sql') return step.text;
  return `${apiLine(step)}${step.body === undefined ? '' : ` ${canonicalJson(step.body)}`}`;
}

/** `PATCH datacatalog.googleapis.com/v1/…`: an API call's first line in a plan. */
export function apiLine(step: ApiStep): string {
  return `${step.method} ${step.service}/${step.path}`;
}

/** sha256 of a step's text (the audit record's per-step hash). */
export function stepHash(step: Step): string {
  return createHash('sha256').update(stepText(step)).digest('hex');
}

/** SQL statements as steps (a SQL target's render). */
export function sqlSteps(statements: readonly string[]): SqlStep[] {
  return statements.map((text) => ({ kind: 'sql', text }));
}

/** How many steps of each kind, for the plan's totals. */
export function stepCounts(steps: Iterable<Step>): { sql: number; api: number } {
  let sql = 0;
  let api = 0;
  for (const s of steps) if (s.kind === 'sql') sql++;
  else api++;
  return { sql, api };
}
