import { type CoolifyClient, CoolifyError } from './coolify-client.ts';

/** The immutable tag the workflow pushes for a commit (docker/metadata-action `type=sha,format=long`). */
export const imageTag = (sha: string) => `sha-${sha}`;

export type TagSetter = (tag: string) => Promise<void>;

/**
 * How a resource is pointed at a tag depends on its build pack: a Docker Compose application
 * interpolates a variable into its image names, a Docker Image application has a tag field.
 * Build packs that build from source are refused: this deploy ships the images CI built.
 */
export function tagSetterFor(
  client: CoolifyClient,
  appUuid: string,
  buildPack: string | null | undefined,
  tagVariable: string,
): TagSetter {
  if (buildPack === 'dockercompose') {
    return async (tag) => void (await client.setEnv(appUuid, tagVariable, tag));
  }
  if (buildPack === 'dockerimage') {
    return async (tag) => void (await client.setImageTag(appUuid, tag));
  }
  throw new CoolifyError(
    `the Coolify resource uses the '${buildPack ?? 'unknown'}' build pack, which builds from source: create it with the Docker Compose build pack and docker-compose.prod.yml (docs/deploy.md)`,
  );
}
