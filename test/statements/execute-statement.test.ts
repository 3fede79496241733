import { describe, expect, it } from 'vitest';
import { executeStatement } from '../../lib/statements/execute-statement.ts';

describe('executeStatement dispatch', () => {
  // The parser only makes kinds the table has (a missing one is a compile error); a statement built by hand may not.
  it('refuses a kind with no executor, inherited object properties included, before touching the context', async () => {
    for (const kind of ['Grant', 'toString', '__proto__', 'constructor']) {
      await expect(executeStatement({} as never, { kind, text: 'GRANT ALL ON  db.*\nTO u' } as never, {}))
        .rejects.toThrow('GRANT ALL ON is not supported by this version of starbackup');
    }
  });
});
