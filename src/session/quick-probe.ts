import { Diagnostics } from '../config/diagnostics.js';
import { expandTargetSettings } from '../config/env.js';
import { findPolicyFiles, PROJECT_FILE, readPolicyFiles } from '../config/files.js';
import { findRoot, loadFromFiles } from '../config/load.js';
import { inputHash } from '../plan/stamp.js';
import { inStep } from '../progress.js';
import type { Connection, StampProbe, Target, TargetContext } from '../targets/target.js';
import type { TargetDecl } from '../model/types.js';
import { targetFor } from '../targets/index.js';
import { wasChecked } from './check-record.js';
import { pickTarget } from './open-target.js';

/**
 * The shortcut of a stamped plan or drift (README, Performance): read the policy files' bytes,
 * hash them with the target block (plan/stamp.ts inputHash), and — when this machine has
 * recorded that those bytes passed the check before connecting (check-record.ts) — connect and
 * probe the convergence stamp before parsing anything but meshward.yaml. A stamp that holds
 * for that very hash is the plan (the model is the stamped one, and its counters prove the live
 * state and the inventory unchanged), so nothing is parsed, checked, read in full or compiled.
 *
 * Anything short of that returns null and the command takes its ordinary path, which reports
 * whatever is wrong in the usual way: the shortcut never reports, and never decides an error.
 */
export interface QuickProbe {
  readonly decl: TargetDecl;
  readonly target: Target;
  /** A context whose model holds the project only (meshward.yaml): enough to connect and probe, nothing else. */
  readonly ctx: TargetContext;
  readonly probe: StampProbe;
  /** The compile input hash of these files and this target. */
  readonly input: string;
  readonly project: string;
}

export async function quickProbe<T>(options: { readonly dir: string; readonly target?: string; readonly env?: NodeJS.ProcessEnv }, use: (q: QuickProbe) => T | null): Promise<T | null> {
  const env = options.env ?? process.env;
  const root = findRoot(options.dir);
  if (!root) return null;
  const diags = new Diagnostics();
  const found = findPolicyFiles(root, diags);
  if (!found.complete) return null;
  const read = readPolicyFiles(found.files, diags);
  const projectFile = read.files.find((f) => f.path === PROJECT_FILE);
  if (!read.complete || !projectFile || diags.hasErrors) return null;
  const shallow = loadFromFiles(root, [projectFile], diags);
  if (!shallow.model || diags.hasErrors) return null;
  const decl = pickTarget(shallow.model, options.target, diags); // the choice every command makes
  if (!decl || diags.hasErrors) return null;
  const target = targetFor(decl.type);
  const stamps = target?.state.stamps;
  if (!target || !stamps) return null;
  const settings = expandTargetSettings(decl, env, diags);
  if (diags.hasErrors) return null;
  const ctx: TargetContext = { model: shallow.model, target: decl, settings, root, diagnostics: diags };
  const input = inputHash({ files: read.files, decl, settings: stamps.compileSettings(ctx) });
  if (input === null || !wasChecked(input, env)) return null;
  let conn: Connection;
  try {
    conn = await inStep(`opening target '${decl.name}'`, () => target.connect(ctx));
  } catch {
    return null; // the ordinary path connects again and says why it cannot
  }
  try {
    const probe = await inStep(`checking the stamp of target '${decl.name}'`, () => stamps.probe(conn, ctx));
    return use({ decl, target, ctx, probe, input, project: shallow.model.project.name });
  } catch {
    return null;
  } finally {
    await conn.close();
  }
}
