import type { RepositoryRecord } from '../domain/control-types.ts';
import { AccessDeniedError, AnalysisError, StarbackupError, StorageError, errorMessage } from '../domain/errors.ts';
import { COMPRESSION_PROPERTY, parseCompression } from '../domain/compression.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import { repositorySecretProperties } from '../domain/secret-properties.ts';
import { redact, redactLocation, splitSecrets } from '../domain/secrets.ts';
import { FORMAT_VERSION, layout, repoRoot } from '../domain/repository-layout.ts';
import { timeString } from '../domain/time-format.ts';
import type { StatementOf } from '../sql/ast.ts';
import { getJson, putJson } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { type ResultSet, columns, ok } from './result-set.ts';

/**
 * CREATE REPOSITORY checks what it can before answering, in the order that gives the clearest error: the
 * location and properties parse (offline), the store answers a listing (reachable, the bucket exists, the
 * credentials are accepted and may list), and unless READ ONLY a probe is written and deleted. It then
 * adopts an existing `__repo_info`, so a second cluster naming the same repository and location sees
 * every snapshot already there. Every failure names the repository and location, never a secret.
 */
export async function createRepository(ctx: ServiceContext, s: StatementOf<'CreateRepository'>): Promise<ResultSet> {
  const name = checkName('Repository', s.name);
  if (s.broker) throw new AnalysisError(`broker does not exist: ${s.broker}`);
  const location = s.location.trim().replace(/\/+$/, '');
  if (!location) throw new AnalysisError('You must specify a location on the repository');
  // Ours: the default of its backups' compression, checked here so that no BACKUP meets a bad one later.
  if (s.properties[COMPRESSION_PROPERTY] !== undefined) parseCompression(s.properties[COMPRESSION_PROPERTY]);
  if (await ctx.control.getRepository(name)) {
    throw new AnalysisError(`Failed to create repository: repository with same name already exist: ${name}`);
  }
  // Sealed: what the location's backend declares secret, and whatever looks like a secret.
  const { plain, secrets } = splitSecrets(s.properties, repositorySecretProperties(location));
  // A refusal of the trust boundary stays one (403 on the API); every other failure is the statement's.
  const fail = (e: unknown) => {
    // A bug or a library's own error is not the statement's fault, and its message was not written for users.
    if (!(e instanceof StarbackupError)) return e;
    const message = `Failed to create repository ${name} on ${redactLocation(location)}: ${redactLocation(redact(errorMessage(e), secrets))}`;
    return e instanceof AccessDeniedError ? new AccessDeniedError(message) : new AnalysisError(message);
  };
  let store: ObjectStore;
  try {
    store = ctx.openLocation(location, s.properties, { readOnly: s.readOnly });
  } catch (e) {
    throw fail(e);
  }
  let createTime = ctx.clock.now();
  try {
    // Listing first: a missing bucket or a rejected key says so here, where a head would only say "absent".
    for await (const _ of store.list(`${repoRoot(name)}/`)) break;
    const info = await store.head(layout.repoInfo(name));
    if (info) {
      const existing = await getJson<{ create_time?: number }>(store, layout.repoInfo(name));
      if (typeof existing.create_time === 'number') createTime = existing.create_time;
    }
    if (!s.readOnly) {
      const probe = `${layout.repoInfo(name)}.probe-${newId()}`;
      await store.put(probe, 'probe');
      await store.delete(probe);
      if (!info) await putJson(store, layout.repoInfo(name), { name, create_time: createTime, format_version: FORMAT_VERSION });
    }
  } catch (e) {
    if (e instanceof StorageError || e instanceof AccessDeniedError || !(e instanceof StarbackupError)) throw fail(e);
    throw e;
  }
  const record: RepositoryRecord = { id: newId(createTime), name, location, readOnly: s.readOnly, properties: plain, createTime };
  if (Object.keys(secrets).length) record.sealedSecrets = await ctx.sealer.seal(secrets, name);
  if (s.broker) record.broker = s.broker;
  await ctx.control.createRepository(record);
  return ok();
}

export async function dropRepository(ctx: ServiceContext, s: StatementOf<'DropRepository'>): Promise<ResultSet> {
  const repo = await ctx.control.getRepository(s.name);
  // StarRocks' words (DropRepositoryAnalyzer, BackupHandler.dropRepository) name no repository.
  if (!repo) throw new AnalysisError('Repository does not exist');
  if ((await ctx.control.unfinishedJobs()).some((j) => j.repo === repo.name)) {
    throw new AnalysisError('Backup or restore job is running on this repository. Can not drop it');
  }
  // As in StarRocks, only the registration goes: the snapshots stay in storage for another cluster to adopt.
  await ctx.control.deleteRepository(repo.name);
  return ok();
}

const REPOSITORIES = columns<RepositoryRecord>([
  ['RepoId', (r) => r.id],
  ['RepoName', (r) => r.name],
  ['CreateTime', (r) => timeString(r.createTime)],
  ['IsReadOnly', (r) => String(r.readOnly)],
  ['Location', (r) => r.location],
  ['Broker', (r) => r.broker ?? '-'],
  ['ErrMsg', (r) => r.errMsg ?? null],
]);

export async function showRepositories(ctx: ServiceContext): Promise<ResultSet> {
  return REPOSITORIES.of(await ctx.control.listRepositories());
}
