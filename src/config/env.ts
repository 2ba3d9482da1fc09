import type { TargetDecl } from '../model/types.js';
import type { Diagnostics } from './diagnostics.js';
import type { SourceDoc } from './source.js';

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ANY_INTERPOLATION = /\$\{/;

/**
 * `${env:VAR}` is allowed in target settings only: secrets belong to the machine running meshward,
 * and a policy that changed with the environment could not be reviewed.
 */
export function checkEnvReferences(source: SourceDoc, value: unknown, diags: Diagnostics, path: (string | number)[] = []): void {
  if (typeof value === 'string') {
    if (!ANY_INTERPOLATION.test(value)) return;
    const inTarget = path[0] === 'targets' && path.length >= 3;
    if (!inTarget) {
      diags.error('env-outside-target', `'\${…}' interpolation is only allowed in target settings`, source.pos(path), 'write the value literally');
      return;
    }
    const rest = value.replace(ENV_REF, '');
    if (ANY_INTERPOLATION.test(rest)) {
      diags.error('env-syntax', `malformed interpolation in ${JSON.stringify(value)}`, source.pos(path), "write '${env:VARIABLE_NAME}'");
    }
    return;
  }
  // One path, extended and shortened in place: a copy per value made most of the walk's cost (issue 10).
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      checkEnvReferences(source, value[i], diags, path);
      path.pop();
    }
  } else if (value && typeof value === 'object') {
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      path.push(k);
      checkEnvReferences(source, (value as Record<string, unknown>)[k], diags, path);
      path.pop();
    }
  }
}

/** Expands `${env:VAR}` in one target's settings; an unset variable is an error at its position. */
export function expandTargetSettings(target: TargetDecl, env: NodeJS.ProcessEnv, diags: Diagnostics): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target.settings)) {
    if (typeof value !== 'string') {
      out[key] = value;
      continue;
    }
    out[key] = value.replace(ENV_REF, (_, name: string) => {
      const v = env[name];
      if (v === undefined) {
        diags.error('env-unset', `environment variable ${name} is not set (target '${target.name}', ${key})`, target.settingAt[key], `export ${name}=… before running meshward`);
        return '';
      }
      return v;
    });
  }
  return out;
}
