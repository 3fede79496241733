import type { TableDef } from '../domain/catalog-types.ts';
import { KeysType } from '../domain/catalog-types.ts';
import { renderType } from '../domain/column-types.ts';

const KEY_WORD = {
  [KeysType.DUPLICATE]: 'DUPLICATE KEY',
  [KeysType.UNIQUE]: 'UNIQUE KEY',
  [KeysType.PRIMARY]: 'PRIMARY KEY',
  [KeysType.AGGREGATE]: 'AGGREGATE KEY',
} as const;

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const bq = (s: string) => `\`${s.replace(/`/g, '``')}\``;

/** CREATE TABLE text in StarRocks' SHOW CREATE TABLE style; it parses back to the same definition. */
export function showCreateTable(def: TableDef): string {
  const cols = def.columns.map((c) => {
    let s = `  ${bq(c.name)} ${renderType(c.type)}`;
    if (c.aggregate) s += ` ${c.aggregate}`;
    s += c.nullable ? ' NULL' : ' NOT NULL';
    if (c.autoIncrement) s += ' AUTO_INCREMENT';
    if (c.defaultValue !== undefined) s += ` DEFAULT ${c.defaultValue === null ? 'NULL' : q(c.defaultValue)}`;
    if (c.comment !== undefined) s += ` COMMENT ${q(c.comment)}`;
    return s;
  });
  const lines = [`CREATE TABLE ${bq(def.name)} (`, cols.join(',\n'), ') ENGINE=OLAP'];
  lines.push(`${KEY_WORD[def.keysType]}(${def.keyColumns.map(bq).join(', ')})`);
  if (def.comment !== undefined) lines.push(`COMMENT ${q(def.comment)}`);
  const p = def.partitioning;
  if (p.type === 'RANGE') {
    // LESS THAN where a range starts at the previous one's end (how it was most likely written), else [a, b).
    let prev: string[] = [];
    const parts = p.partitions.map((s) => {
      const r = s.range!;
      const contiguous = r.lower.length === prev.length && r.lower.every((v, i) => v === prev[i]);
      prev = r.upper ?? [];
      if (r.upper === null) return `PARTITION ${bq(s.name)} VALUES LESS THAN MAXVALUE`;
      if (contiguous) return `PARTITION ${bq(s.name)} VALUES LESS THAN (${r.upper.map(q).join(', ')})`;
      return `PARTITION ${bq(s.name)} VALUES [(${r.lower.map(q).join(', ')}), (${r.upper.map(q).join(', ')}))`;
    });
    lines.push(`PARTITION BY RANGE(${p.columns.map(bq).join(', ')})\n(${parts.join(',\n')})`);
  } else if (p.type === 'LIST') {
    const parts = p.partitions.map((s) => {
      const vals = s.values!.map((v) => (v.length === 1 ? q(v[0]!) : `(${v.map(q).join(', ')})`));
      return `PARTITION ${bq(s.name)} VALUES IN (${vals.join(', ')})`;
    });
    lines.push(`PARTITION BY LIST(${p.columns.map(bq).join(', ')})\n(${parts.join(',\n')})`);
  }
  const d = def.distribution;
  lines.push(d.type === 'HASH' ? `DISTRIBUTED BY HASH(${d.columns.map(bq).join(', ')}) BUCKETS ${d.buckets}` : `DISTRIBUTED BY RANDOM BUCKETS ${d.buckets}`);
  const props = Object.entries(def.properties);
  if (props.length) lines.push(`PROPERTIES (\n${props.map(([k, v]) => `${q(k)} = ${q(v)}`).join(',\n')}\n)`);
  return lines.join('\n') + ';';
}
