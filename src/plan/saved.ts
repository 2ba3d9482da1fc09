import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HAZARDS } from '../targets/target.js';
import { canonicalJson } from './canonical.js';
import type { Plan, PlannedChange } from './plan.js';
import { API_METHODS, stepText, type Step } from './step.js';

/** The plan.json format this version writes and reads. */
export const PLAN_FORMAT = 2;

/**
 * A saved plan is an artifact that travels between CI jobs, so whoever can write it could make
 * apply run anything. It is therefore never executed as written: apply re-derives the plan from
 * the model and the live state, and the file is accepted only when every step it lists is
 * exactly a step of the re-derived plan (`compareSavedPlan`); the re-derived steps are the ones
 * that run. This module loads the file through a schema and does that comparison.
 */

/** A saved plan that cannot be used; the message names the file and what to do. */
export class SavedPlanError extends Error {
  override readonly name = 'SavedPlanError';
}

/** A step as plan.json holds it (plan/step.ts); a body is any JSON. */
const jsonValue: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
const step: z.ZodType<Step> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sql'), text: z.string(), reverse: step.optional() }).strict(),
    z
      .object({
        kind: z.literal('api'),
        service: z.string().min(1),
        method: z.enum(API_METHODS),
        path: z.string().min(1),
        body: jsonValue.optional(),
        idempotency: z.object({ etag: z.string().optional(), request_id: z.string().optional() }).strict(),
        reverse: step.optional(),
      })
      .strict(),
  ]),
) as z.ZodType<Step>;

const plannedChange = z
  .object({
    action: z.enum(['add', 'change', 'remove']),
    kind: z.string(),
    key: z.string(),
    object: z.string(),
    domain: z.string().nullable(),
    table: z.string().nullable(),
    policy: z.array(z.string()),
    reason: z.string(),
    details: z.array(z.string()).default([]),
    hazards: z.array(z.enum(HAZARDS)),
    steps: z.array(step),
    served_by: z.number().int().nonnegative().optional(),
    forget: z.literal(true).optional(),
  })
  .strict();

/** plan.json's schema (`meshward schema plan` prints it as JSON Schema). */
export const planSchema = z
  .object({
    format: z.literal(PLAN_FORMAT),
    target: z.string(),
    project: z.string(),
    state_hash: z.string(),
    desired_hash: z.string(),
    changes: z.array(plannedChange),
    findings: z.array(z.looseObject({ code: z.string(), object: z.string(), message: z.string() })),
    summary: z
      .object({ add: z.number(), change: z.number(), remove: z.number(), hazards: z.number(), widening: z.number(), steps: z.number(), statements: z.number(), api_calls: z.number(), floor: z.number().optional() })
      .strict(),
    new_target: z.boolean(),
    options: z.object({ revoke_unmanaged: z.boolean() }).strict(),
    live_read: z.object({ from: z.literal('stamp'), stamped_at: z.string() }).strict().optional(),
    created_at: z.string(),
  })
  .strict();

/** Reads and checks a plan file; every problem is a SavedPlanError naming the file. */
export function loadSavedPlan(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new SavedPlanError(`${file}: cannot read the plan: ${why}; save one with meshward plan --out ${file}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new SavedPlanError(`${file}: not a meshward plan: the file is not JSON (${(e as Error).message}); save one with meshward plan --out ${file}`);
  }
  if (data && typeof data === 'object' && 'format' in data && (data as { format: unknown }).format !== PLAN_FORMAT && 'changes' in data) {
    const format = (data as { format: unknown }).format;
    const why = format === 1 ? 'format 1 (SQL strings, before typed steps)' : `format ${JSON.stringify(format)}`;
    throw new SavedPlanError(`${file}: plan ${why} is not one this version reads (format ${PLAN_FORMAT}); make the plan again with this version's meshward plan --out`);
  }
  const parsed = planSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : 'the document';
    throw new SavedPlanError(`${file}: not a meshward plan (format ${PLAN_FORMAT}): ${where}: ${issue.message}; save one with meshward plan --out ${file}`);
  }
  return parsed.data as unknown as Plan; // findings are compared with the re-derived ones, field by field
}

/** The fields of a change that decide what runs, and what a reviewer approved. */
const FIELDS: readonly (keyof PlannedChange)[] = ['action', 'kind', 'key', 'object', 'domain', 'table', 'policy', 'reason', 'details', 'hazards', 'steps', 'served_by', 'forget'];

/**
 * Refuses a saved plan whose changes are not exactly the re-derived ones: the first step that
 * differs is named (a step added, removed or edited; a change added, dropped, reordered or
 * relabelled; a hazard removed). Returns quietly when they are identical.
 */
export function compareSavedPlan(saved: Plan, derived: Plan, file: string): void {
  const refuse = (what: string) =>
    new SavedPlanError(`${file} does not match the plan that the policy repository and the live target produce: ${what}; the file was changed after meshward plan wrote it — nothing was applied; run meshward plan again`);
  let stepIndex = 0;
  const n = Math.max(saved.changes.length, derived.changes.length);
  for (let i = 0; i < n; i++) {
    const s = saved.changes[i];
    const d = derived.changes[i];
    if (!s) throw refuse(`change ${i + 1} (${d!.object}) is missing from the file`);
    if (!d) throw refuse(`change ${i + 1} (${s.object}) is not part of the plan`);
    const stepCount = Math.max(s.steps.length, d.steps.length);
    for (let k = 0; k < stepCount; k++) {
      const [sk, dk] = [s.steps[k], d.steps[k]];
      if (sk === dk || (sk && dk && canonicalJson(sk) === canonicalJson(dk))) continue;
      const at = `step ${stepIndex + k + 1} (change ${i + 1}, ${d.object})`;
      if (sk === undefined) throw refuse(`${at} is missing from the file`);
      if (dk === undefined) throw refuse(`${at} is not part of the plan: ${oneLine(stepText(sk))}`);
      throw refuse(`${at} differs: the file has ${oneLine(stepText(sk))}`);
    }
    stepIndex += d.steps.length;
    for (const f of FIELDS) {
      if (canonicalJson(s[f]) !== canonicalJson(d[f])) throw refuse(`change ${i + 1} (${d.object}): its ${f} differs (the file has ${oneLine(JSON.stringify(s[f]))})`);
    }
  }
  for (const f of ['target', 'project', 'state_hash', 'desired_hash', 'new_target'] as const) {
    if (saved[f] !== derived[f]) throw refuse(`its ${f} differs`);
  }
  if (canonicalJson(saved.summary) !== canonicalJson(derived.summary)) throw refuse('its summary differs');
  if (canonicalJson(saved.options) !== canonicalJson(derived.options)) throw refuse('its options differ');
  if (canonicalJson(saved.findings) !== canonicalJson(derived.findings)) throw refuse('its findings differ');
}

function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? flat.slice(0, max - 1) + '…' : flat);
}
