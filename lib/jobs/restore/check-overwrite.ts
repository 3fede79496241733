import type { ColumnSpec, PartitionSpec, TableDef } from '../../domain/catalog-types.ts';
import { renderType } from '../../domain/column-types.ts';
import { AnalysisError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { partitionColumnTypes, rangesEqual, rangesIntersect } from '../../domain/partitioning.ts';

/**
 * Whether a snapshot table may overwrite an existing one, with StarRocks' rules and messages
 * (RestoreJob.checkAndPrepareMeta, OlapTable.getSignature). Returns the target definition (the existing one,
 * plus any snapshot partitions it lacks) and, per restored partition, the target partition id.
 */
export interface OverwritePlan {
  def: TableDef;
  partitions: { name: string; targetId: string; added: boolean }[];
}

const sameCols = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]!.toLowerCase());

function columnText(c: ColumnSpec): string {
  return `\`${c.name}\` ${renderType(c.type)}${c.aggregate ? ` ${c.aggregate}` : ''} ${c.nullable ? 'NULL' : 'NOT NULL'}${c.isKey ? ' KEY' : ''}`;
}

function columnsEqual(a: ColumnSpec, b: ColumnSpec): boolean {
  return columnText(a) === columnText(b) && (a.defaultValue ?? '\u0000') === (b.defaultValue ?? '\u0000');
}

/** StarRocks' default replication_num of a table created without one (shared-nothing). */
const DEFAULT_REPLICATION_NUM = 3;

export function checkOverwrite(local: TableDef, remote: TableDef, alias: string, partitionNames: string[], replicationNum: number): OverwritePlan {
  const schema = (step: string) => new AnalysisError(`Table ${alias} already exist but with different schema, errMsg: ${step}`);
  if (local.partitioning.type !== remote.partitioning.type) {
    // StarRocks' text (OlapTable.getIntersectPartNamesWith) names no table; the table and both types follow it.
    throw new AnalysisError(`Table's partition type is different: table ${alias} is ${local.partitioning.type} in existed table and ${remote.partitioning.type} in backup snapshot`);
  }
  if (local.type !== remote.type) throw schema('Table type is inconsistent');
  const indexNames = (d: TableDef) => (d.indexes ?? []).map((i) => i.name).sort().join(',');
  if (indexNames(local) !== indexNames(remote)) throw schema('indexName is inconsistent');
  if (!sameCols(local.partitioning.columns, remote.partitioning.columns)) throw schema('partition columns is inconsistent');
  const intersect = remote.partitioning.partitions.filter((rp) => local.partitioning.partitions.some((lp) => lp.name.toLowerCase() === rp.name.toLowerCase()));
  if (intersect.length || local.partitioning.type !== 'RANGE') {
    const ld = local.distribution, rd = remote.distribution;
    if (ld.type !== rd.type || !sameCols(ld.columns, rd.columns)) throw schema('partition distribution col hash is inconsistent');
    if (ld.buckets !== rd.buckets) throw schema('bucket num is inconsistent');
  }
  if (local.keysType !== remote.keysType) throw new AnalysisError(`Table ${alias} already exist but with different key type`);
  if (local.columns.length !== remote.columns.length) {
    throw new AnalysisError(`Table ${alias} already exist but with different schema, column count is ${local.columns.length} in existed table and ${remote.columns.length} in backup snapshot`);
  }
  local.columns.forEach((lc, i) => {
    const rc = remote.columns[i]!;
    if (!columnsEqual(lc, rc)) {
      throw new AnalysisError(`Table ${alias} already exist but with different schema, column: ${columnText(lc)} in existed table is different from the column in backup snapshot, column: ${columnText(rc)}`);
    }
  });
  const def = structuredClone(local);
  const types = partitionColumnTypes(local.columns, local.partitioning);
  const out: OverwritePlan['partitions'] = [];
  for (const name of partitionNames) {
    const rp = remote.partitioning.partitions.find((p) => p.name === name)!;
    const lp = def.partitioning.partitions.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (lp) {
      if (def.partitioning.type === 'RANGE' && !rangesEqual(types, lp, rp)) {
        throw new AnalysisError(`Partition ${name} in table ${alias} has different range with partition in repository`);
      }
      if (def.partitioning.type === 'LIST' && JSON.stringify(lp.values) !== JSON.stringify(rp.values)) {
        throw new AnalysisError(`Partition ${name} in table ${alias} has different values with partition in repository`);
      }
      // RestoreJob.checkAndPrepareMeta: an overwritten partition keeps its replicas, so their count must be
      // the one the RESTORE asks for (its replication_num property, 3 by default).
      const local = Number(def.properties?.replication_num ?? DEFAULT_REPLICATION_NUM);
      if (local !== replicationNum) {
        throw new AnalysisError(`Partition ${name} in table ${alias} has different replication num '${local}' with partition in repository, which is ${replicationNum}`);
      }
      out.push({ name: lp.name, targetId: lp.id, added: false });
      continue;
    }
    if (def.partitioning.type === 'UNPARTITIONED') throw new AnalysisError(`No partition exist in single partitioned table ${alias}`);
    if (def.partitioning.type === 'RANGE' && def.partitioning.partitions.some((p) => rangesIntersect(types, p, rp))) {
      throw new AnalysisError(`Partition ${name} in table ${alias} has conflict range with existing ranges`);
    }
    const added: PartitionSpec = { ...structuredClone(rp), id: newId() };
    def.partitioning.partitions.push(added);
    out.push({ name, targetId: added.id, added: true });
  }
  return { def, partitions: out };
}
