// `make coolify-setup`: creates, through Coolify's API, every setting and variable the
// applications need (topology.ts), and prints what it changed. Idempotent: a second run changes
// nothing. Secrets are created once (never overwritten, never printed).
import { randomBytes } from 'node:crypto';
import { loadEnvOrExit } from '@app/shared/env/node';
import { z } from 'zod';
import { dim, fail, ok, step } from '../lib/output.ts';
import { CoolifyError, createCoolifyClient } from './coolify-client.ts';
import { coolifyUrl, uuid, workerUuids } from './env.ts';
import { type AppRef, deployOrder, healthChecks } from './topology.ts';

const env = loadEnvOrExit(
  'coolify-setup',
  z.object({
    COOLIFY_URL: coolifyUrl,
    COOLIFY_TOKEN: z.string().min(1),
    COOLIFY_WEB_UUID: uuid,
    COOLIFY_WORKER_UUIDS: workerUuids,
    // owner/repo in lowercase, as in ghcr.io/owner/repo/web.
    GHCR_REPOSITORY: z
      .string()
      .regex(/^[a-z0-9._-]+\/[a-z0-9._-]+$/, 'expected owner/repo in lowercase'),
    APP_URL: z.string().url(),
    // The database resources' internal URLs (their page in Coolify: "Postgres URL (internal)").
    COOLIFY_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected postgres://…'),
    COOLIFY_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected redis://…'),
    COOLIFY_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  }),
);

const redact = (text: string) => text.split(env.COOLIFY_TOKEN).join('***');
const client = createCoolifyClient({
  baseUrl: env.COOLIFY_URL,
  token: env.COOLIFY_TOKEN,
  retries: env.COOLIFY_RETRIES,
  retryBaseMs: 1000,
  maxRetryAfterMs: 60_000,
  requestTimeoutMs: 15_000,
  log: (line) => console.log(dim(`  ${redact(line)}`)),
});

/** managed: set to this value whenever it differs; default: created once, then left to the user. */
type Wanted = { value: string; kind: 'managed' | 'default'; secret?: boolean };

function wantedEnvs(app: AppRef, index: number): Record<string, Wanted> {
  const common: Record<string, Wanted> = {
    NODE_ENV: { value: 'production', kind: 'managed' },
    DATABASE_URL: { value: env.COOLIFY_DATABASE_URL, kind: 'managed', secret: true },
    REDIS_URL: { value: env.COOLIFY_REDIS_URL, kind: 'managed', secret: true },
    QUEUE_PREFIX: { value: 'bull', kind: 'default' },
  };
  if (app.role === 'web') {
    return {
      ...common,
      PUBLIC_URL: { value: env.APP_URL.replace(/\/+$/, ''), kind: 'managed' },
      BASIC_AUTH_USER: { value: 'admin', kind: 'default' },
      BASIC_AUTH_PASSWORD: {
        value: randomBytes(18).toString('base64url'),
        kind: 'default',
        secret: true,
      },
    };
  }
  return {
    ...common,
    // Only the first worker migrates: one migrator per deploy, before the web deploys.
    MIGRATE_ON_START: { value: index === 0 ? 'true' : 'false', kind: 'managed' },
    WORKER_CONCURRENCY: { value: '10', kind: 'default' },
  };
}

let changes = 0;
const changed = (line: string) => {
  changes += 1;
  console.log(`  ${line}`);
};

step(`coolify-setup via ${new URL(env.COOLIFY_URL).host}`);
try {
  const apps = deployOrder(env.COOLIFY_WEB_UUID, env.COOLIFY_WORKER_UUIDS);
  for (const [index, app] of apps.entries()) {
    const current = (await client.getApplication(app.uuid)) as Record<string, unknown>;
    if (current.build_pack !== 'dockerimage') {
      throw new CoolifyError(
        `the ${app.label} resource ${app.uuid} uses the '${String(current.build_pack)}' build pack: create it as a Docker Image application (docs/deploy.md)`,
      );
    }
    const check = healthChecks[app.role];
    const settings: Record<string, string | number | boolean> = {
      docker_registry_image_name: `ghcr.io/${env.GHCR_REPOSITORY}/${app.role}`,
      ports_exposes: String(check.port),
      health_check_enabled: true,
      health_check_path: check.path,
      health_check_port: String(check.port),
    };
    const different = Object.fromEntries(
      Object.entries(settings).filter(
        ([key, value]) => String(current[key] ?? '') !== String(value),
      ),
    );
    if (Object.keys(different).length > 0) {
      await client.updateApplication(app.uuid, different);
      changed(
        `${app.label}: set ${Object.entries(different)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
      );
    }

    const existing = new Map((await client.listEnvs(app.uuid)).map((e) => [e.key, e.value]));
    for (const [key, wanted] of Object.entries(wantedEnvs(app, index))) {
      const shown = wanted.secret ? '(secret)' : wanted.value;
      if (!existing.has(key)) {
        await client.createEnv(app.uuid, key, wanted.value);
        changed(`${app.label}: created ${key}=${shown}`);
        continue;
      }
      const value = existing.get(key);
      // A value the token cannot read (no read:sensitive) is left alone rather than guessed.
      if (wanted.kind === 'managed' && value != null && value !== wanted.value) {
        await client.updateEnv(app.uuid, key, wanted.value);
        changed(`${app.label}: updated ${key}=${shown}`);
      }
    }
  }
} catch (error) {
  if (!(error instanceof CoolifyError)) throw error;
  fail(redact(error.message));
  process.exit(1);
}
ok(
  changes === 0
    ? 'Coolify is set up: nothing to change'
    : `Coolify is set up: ${changes} change(s)`,
);
