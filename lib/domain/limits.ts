import { AnalysisError } from './errors.ts';

/**
 * Caps on input size, beyond the parser's own 1 MiB per statement: a property value ends up in DynamoDB
 * records (400 KB items) and in snapshot metadata, so a huge one is refused up front with a clear message.
 */
export const MAX_PROPERTY_VALUE_BYTES = 64 * 1024;
export const MAX_SCRIPT_STATEMENTS = 10_000;

export function checkPropertyValues(props: Record<string, string>): void {
  for (const [key, value] of Object.entries(props)) {
    const bytes = new TextEncoder().encode(value).length;
    if (bytes > MAX_PROPERTY_VALUE_BYTES) {
      throw new AnalysisError(`The value of property '${key.slice(0, 64)}' is ${bytes} bytes long; a property value may be at most ${MAX_PROPERTY_VALUE_BYTES} bytes`);
    }
  }
}

export function checkScriptLength(statements: number): void {
  if (statements > MAX_SCRIPT_STATEMENTS) {
    throw new AnalysisError(`A script may hold at most ${MAX_SCRIPT_STATEMENTS} statements; this one holds ${statements}`);
  }
}
