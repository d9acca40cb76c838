// The deploy job's GitHub deployment (.github/workflows/deploy.yml, decision 0083):
//   start   creates a `production` deployment of GITHUB_SHA with APP_URL, status in_progress,
//           and writes `id=<n>` to GITHUB_OUTPUT;
//   finish  reads the deploy command's DEPLOY_RESULT_FILE and sets the status: success, failure
//           (with the summary), or inactive "rolled back to …"; appends the table (version,
//           duration, health, rollback) to GITHUB_STEP_SUMMARY. No result file (the command was
//           cancelled or crashed) is a failure that says so.
// Never fails the job by itself: the deploy step decides that; a GitHub API error is a warning.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { commandArgs } from '../lib/args.ts';
import { ok, warn } from '../lib/output.ts';
import type { RollbackOutcome } from './deploy-flow.ts';

export type DeployRecord = {
  ok: boolean;
  version: string;
  durationMs: number;
  health: string;
  rollback: RollbackOutcome;
  summary: string[];
};

export type DeploymentState = 'success' | 'failure' | 'inactive' | 'in_progress';

/** GitHub's status for a finished deploy; descriptions are cut to its 140 characters. */
export function statusFor(record: DeployRecord | undefined): {
  state: DeploymentState;
  description: string;
} {
  const cut = (text: string) => (text.length > 140 ? `${text.slice(0, 139)}…` : text);
  if (!record)
    return {
      state: 'failure',
      description: 'the deploy command ended without a result (cancelled or crashed)',
    };
  if (record.ok) return { state: 'success', description: cut(record.summary[0] ?? 'live') };
  if (record.rollback === 'rolled back') {
    const back = record.summary.find((line) => / rolled back to /.test(line));
    return {
      state: 'inactive',
      description: cut(
        `rolled back: ${back?.replace(/^.*rolled back to /, 'to ') ?? ''}; ${record.summary[0] ?? ''}`,
      ),
    };
  }
  return { state: 'failure', description: cut(record.summary.join('; ')) };
}

export function summaryTable(record: DeployRecord | undefined, appUrl: string): string {
  const rows = record
    ? [
        ['version', `\`${record.version.slice(0, 12)}\``],
        ['result', record.ok ? '✅ live' : '❌ failed'],
        ['duration', `${Math.round(record.durationMs / 1000)} s`],
        ['health', record.health],
        ['rollback', record.rollback],
        ['app', appUrl],
      ]
    : [['result', '❌ the deploy command ended without a result (cancelled or crashed)']];
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const details =
    record && !record.ok ? `\n${record.summary.map((l) => `- ${cell(l)}`).join('\n')}\n` : '';
  return `### Deploy to production\n\n| | |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${cell(v ?? '')} |`).join('\n')}\n${details}`;
}

const envSchema = z.object({
  GITHUB_TOKEN: z.string().min(1),
  GITHUB_REPOSITORY: z.string().regex(/^[^/]+\/[^/]+$/),
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  GITHUB_SHA: z.string().min(7),
  GITHUB_SERVER_URL: z.string().url().default('https://github.com'),
  GITHUB_RUN_ID: z.string().optional(),
  APP_URL: z.string().url(),
  GITHUB_OUTPUT: z.string().optional(),
  GITHUB_STEP_SUMMARY: z.string().optional(),
  DEPLOYMENT_ID: z.string().optional(),
  DEPLOY_RESULT_FILE: z.string().optional(),
});

async function api(env: z.output<typeof envSchema>, path: string, body: object) {
  const response = await fetch(`${env.GITHUB_API_URL}/repos/${env.GITHUB_REPOSITORY}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${env.GITHUB_TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`GitHub ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as { id?: number };
}

function readRecord(file: string | undefined): DeployRecord | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DeployRecord;
  } catch {
    return undefined;
  }
}

async function main() {
  const { positional } = commandArgs({
    usage: 'tsx scripts/deploy/github-deployment.ts start|finish',
    summary: "The deploy job's GitHub deployment and job summary.",
    options: {},
    positional: { name: 'step', description: 'what to do', values: ['start', 'finish'] },
  });
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))];
    warn(`GitHub deployment skipped: ${names.join(', ')} missing or invalid`);
    return;
  }
  const env = parsed.data;
  const logUrl = env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
  if (positional === 'start') {
    const deployment = await api(env, '/deployments', {
      ref: env.GITHUB_SHA,
      environment: 'production',
      task: 'deploy:coolify',
      auto_merge: false,
      // CI already ran in this workflow (the ci job); GitHub must not re-check commit statuses.
      required_contexts: [],
      production_environment: true,
      description: `Coolify: ${env.GITHUB_SHA.slice(0, 12)}`,
    });
    await api(env, `/deployments/${deployment.id}/statuses`, {
      state: 'in_progress',
      environment_url: env.APP_URL,
      log_url: logUrl,
    });
    if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `id=${deployment.id}\n`);
    ok(`GitHub deployment ${deployment.id} (production, ${env.APP_URL}): in_progress`);
    return;
  }
  const record = readRecord(env.DEPLOY_RESULT_FILE);
  if (env.GITHUB_STEP_SUMMARY)
    appendFileSync(env.GITHUB_STEP_SUMMARY, summaryTable(record, env.APP_URL));
  if (!env.DEPLOYMENT_ID) {
    warn('no GitHub deployment to update (the start step did not create one)');
    return;
  }
  const status = statusFor(record);
  await api(env, `/deployments/${env.DEPLOYMENT_ID}/statuses`, {
    ...status,
    environment_url: env.APP_URL,
    log_url: logUrl,
    // A success makes the earlier production deployments inactive, as GitHub's own do.
    auto_inactive: status.state === 'success',
  });
  ok(`GitHub deployment ${env.DEPLOYMENT_ID}: ${status.state} (${status.description})`);
}

if (process.argv[1] && /github-deployment\.ts$/.test(process.argv[1])) {
  await main().catch((error: unknown) => {
    // Reporting must never turn a good deploy red, nor hide the deploy step's own failure.
    warn(`GitHub deployment not updated: ${(error as Error).message}`);
  });
}
