import { createHash } from 'node:crypto';
import { AnalysisError, IntegrityError, NotFoundError } from '../domain/errors.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { layout } from '../domain/repository-layout.ts';
import { validateSnapshotMeta, validateSnapshotTable } from '../domain/snapshot-validation.ts';
import type { SnapshotInfo, SnapshotMeta, SnapshotTable } from '../domain/snapshot-types.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { checkSnapshotAccounts } from '../access/account-snapshot-rules.ts';
import { type Finding, compareHeadWithInfo, compareRestWithInfo, compareTableWithInfo } from './snapshot-checks.ts';
import { MetaSplitter } from './meta-splitter.ts';
import { DistinctCounter } from './distinct-counter.ts';
import { repoPath, valid } from './snapshot-reader.ts';

export type MetaHeader = Omit<SnapshotMeta, 'tables'>;

/**
 * Reads the `__meta` of a snapshot whose `__info` was read, as a stream: each table is parsed, validated and
 * handed to `onTable` as it comes, then dropped, so memory holds one table, not the snapshot. Returns the
 * rest (database, views, functions, catalogs, accounts) once every check passed; the checks come in the
 * order a whole read made them (the file's sha256 against `__info`, the envelope's checksum, every field,
 * then `__meta` against `__info`), but most are known only at the end: a caller may stage what `onTable` gives it, and
 * must publish nothing before this returns.
 */
export async function readMetaTables(
  store: ObjectStore, repo: RepositoryRecord, info: SnapshotInfo, onTable: (table: SnapshotTable) => unknown,
): Promise<MetaHeader> {
  const key = layout.meta(repo.name, info.name, info.timestamp);
  const what = `file ${repoPath(repo, key)}`;
  let source: AsyncIterable<Uint8Array>;
  try {
    source = await store.get(key);
  } catch (e) {
    if (e instanceof NotFoundError) throw new IntegrityError(`Snapshot ${info.name} is damaged: ${repoPath(repo, key)} is missing`);
    throw e;
  }
  const fileHash = createHash('sha256');
  const splitter = new MetaSplitter(what);
  const fields = { envelope: new Map<string, string>(), body: new Map<string, string>() };
  const names = new Set<string>();
  const tableFindings: Finding[] = [];
  const totals = { files: 0, bytes: 0 };
  const blobs = new DistinctCounter();
  // The first problem met, thrown at the end: a damaged file is reported as damaged, whatever it broke first.
  let problem: unknown;
  for await (const chunk of source) {
    fileHash.update(chunk);
    if (problem) continue;
    try {
      for (const piece of splitter.feed(chunk)) {
        if (piece.kind === 'field') fields[piece.in].set(piece.key, piece.text);
        else {
          const table = valid(repo, info.name, info.timestamp, () => validateSnapshotTable(parseJson(piece.text, what), names.size, names));
          tableFindings.push(...compareTableWithInfo(table, info));
          count(table, totals, blobs);
          await onTable(table);
        }
      }
    } catch (e) {
      problem = e;
    }
  }
  const actual = fileHash.digest('hex');
  if (actual !== info.meta.sha256) {
    throw new IntegrityError(`Snapshot ${info.name} is damaged: ${repoPath(repo, key)} has sha256 ${actual}, expected ${info.meta.sha256}`);
  }
  const bodySha256 = problem ? '' : splitter.end();
  const envelopeSha256 = fields.envelope.get('sha256');
  if (!problem && (envelopeSha256 === undefined || !splitter.sawBody)) throw new IntegrityError(`${what} is corrupt: no checksum envelope`);
  if (!problem && parseJson(envelopeSha256!, what) !== bodySha256) {
    throw new IntegrityError(`${what} is corrupt: sha256 ${bodySha256}, expected ${parseJson(envelopeSha256!, what) as string}`);
  }
  if (problem) throw problem;
  const body: Record<string, unknown> = {};
  for (const [k, text] of fields.body) body[k] = parseJson(text, what);
  // The tables were checked one by one; a body without them fails as it always did.
  if (splitter.sawTables) body.tables = [];
  const header = valid(repo, info.name, info.timestamp, () => {
    const m = validateSnapshotMeta(body);
    if (m.accounts) checkSnapshotAccounts(m.accounts);
    return m;
  });
  const [first] = [
    ...compareHeadWithInfo(header.database, names, info), ...tableFindings, ...compareRestWithInfo(header, { ...totals, blobs: blobs.count() }, info),
  ];
  if (first) {
    const shown = first.object === null ? first.problem : `${first.object}: ${first.problem}`;
    throw new AnalysisError(`Snapshot ${info.name} (${info.timestamp}) in repository ${repo.name} is invalid: __meta disagrees with __info: ${shown}`);
  }
  const { tables: _, ...rest } = header;
  return rest;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new IntegrityError(`${what} is corrupt: not valid JSON`);
  }
}

function count(table: SnapshotTable, totals: { files: number; bytes: number }, blobs: DistinctCounter): void {
  for (const p of table.partitions) {
    for (const tablets of [p.tablets, ...Object.values(p.indexes ?? {})]) {
      for (const t of tablets) {
        for (const s of t.segments) {
          totals.files++;
          totals.bytes += s.size;
          blobs.add(s.sha256);
        }
      }
    }
  }
}
