import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import { maskSecrets } from './secrets.js';

/**
 * Who runs meshward, for lock files and audit records. Only identifiers are taken from the
 * environment — a fixed list of CI variables that name a person, a pipeline or a commit — never
 * an arbitrary variable, and never a URL (one may carry a password).
 */

/** The OS user and host, as `application_name` (`meshward <user>@<host>`) names them. */
export function whoAmI(): { user: string; host: string } {
  let user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the environment's name
  }
  return { user, host: hostname() };
}

/** The command line as a person typed it (`meshward apply --yes …` for the CLI), passwords hidden. */
export function commandLine(argv: readonly string[] = process.argv): string[] {
  const script = argv[1] ?? '';
  const name = /(?:^|[\\/])(?:meshward|cli[\\/]main\.[cm]?[jt]s)$/.test(script) ? 'meshward' : basename(script) || 'node';
  return [name, ...argv.slice(2).map(redactSecrets)];
}

/** Hides every credential in free text: the one mask (secrets.ts), under its older name. */
export const redactSecrets = maskSecrets;

/** CI systems, how to recognise them, and the variables that identify a run and who started it. */
const CI_SYSTEMS: readonly { system: string; when: string; fields: Readonly<Record<string, string>> }[] = [
  {
    system: 'github-actions',
    when: 'GITHUB_ACTIONS',
    fields: { actor: 'GITHUB_ACTOR', triggering_actor: 'GITHUB_TRIGGERING_ACTOR', repository: 'GITHUB_REPOSITORY', workflow: 'GITHUB_WORKFLOW', event: 'GITHUB_EVENT_NAME', run_id: 'GITHUB_RUN_ID', run_attempt: 'GITHUB_RUN_ATTEMPT', ref: 'GITHUB_REF', commit: 'GITHUB_SHA' },
  },
  {
    system: 'gitlab-ci',
    when: 'GITLAB_CI',
    fields: { actor: 'GITLAB_USER_LOGIN', repository: 'CI_PROJECT_PATH', pipeline_id: 'CI_PIPELINE_ID', job_id: 'CI_JOB_ID', ref: 'CI_COMMIT_REF_NAME', commit: 'CI_COMMIT_SHA' },
  },
  { system: 'azure-pipelines', when: 'TF_BUILD', fields: { actor: 'BUILD_REQUESTEDFOR', repository: 'BUILD_REPOSITORY_NAME', run_id: 'BUILD_BUILDID', ref: 'BUILD_SOURCEBRANCH', commit: 'BUILD_SOURCEVERSION' } },
  { system: 'circleci', when: 'CIRCLECI', fields: { actor: 'CIRCLE_USERNAME', repository: 'CIRCLE_PROJECT_REPONAME', run_id: 'CIRCLE_BUILD_NUM', ref: 'CIRCLE_BRANCH', commit: 'CIRCLE_SHA1' } },
  { system: 'buildkite', when: 'BUILDKITE', fields: { actor: 'BUILDKITE_BUILD_CREATOR', repository: 'BUILDKITE_PIPELINE_SLUG', run_id: 'BUILDKITE_BUILD_NUMBER', ref: 'BUILDKITE_BRANCH', commit: 'BUILDKITE_COMMIT' } },
  { system: 'bitbucket-pipelines', when: 'BITBUCKET_BUILD_NUMBER', fields: { actor: 'BITBUCKET_STEP_TRIGGERER_UUID', repository: 'BITBUCKET_REPO_FULL_NAME', run_id: 'BITBUCKET_BUILD_NUMBER', ref: 'BITBUCKET_BRANCH', commit: 'BITBUCKET_COMMIT' } },
  { system: 'jenkins', when: 'JENKINS_HOME', fields: { actor: 'BUILD_USER_ID', job: 'JOB_NAME', run_id: 'BUILD_NUMBER', ref: 'GIT_BRANCH', commit: 'GIT_COMMIT' } },
];

/** The CI run and who started it, from the environment; null outside CI. */
export function ciIdentity(env: NodeJS.ProcessEnv = process.env): Record<string, string> | null {
  const set = (name: string) => {
    const v = env[name];
    return v !== undefined && v !== '' && v !== 'false' && v !== '0';
  };
  for (const ci of CI_SYSTEMS) {
    if (!set(ci.when)) continue;
    const out: Record<string, string> = { system: ci.system };
    for (const [field, name] of Object.entries(ci.fields)) {
      const v = env[name];
      if (v) out[field] = identifier(v);
    }
    return out;
  }
  return set('CI') ? { system: 'ci' } : null;
}

/** An identifier from the environment, never a URL or a long blob. */
function identifier(value: string): string {
  const v = redactSecrets(value.trim());
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return '(a URL, not recorded)';
  return v.length > 200 ? v.slice(0, 199) + '…' : v;
}
