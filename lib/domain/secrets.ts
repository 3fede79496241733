/**
 * Which repository and catalog properties are secrets: never stored in clear, never shown, never logged.
 * Matching by name keeps new backends safe by default (a `*.secret_key` is hidden without a code change).
 */
const SECRET = /(secret|password|passwd|token|credential|access[._-]?key|private[._-]?key|shared[._-]?key|account[._-]?key|sas|signature|session|service[._-]?account[._-]?json|json[._-]?key)/i;

export function isSecretProperty(key: string): boolean {
  return SECRET.test(key);
}

export function splitSecrets(props: Record<string, string>): { plain: Record<string, string>; secrets: Record<string, string> } {
  const plain: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) (isSecretProperty(k) ? secrets : plain)[k] = v;
  return { plain, secrets };
}

/** Replaces every secret value that occurs in a text (an SDK error may echo a key) with `******`. */
export function redact(text: string, secrets: Record<string, string>): string {
  let out = text;
  for (const v of Object.values(secrets)) if (v.length >= 4) out = out.split(v).join('******');
  return out;
}

/** A text with the user info of every URI in it (`s3a://KEY:SECRET@bucket`) replaced with `******`. */
export function redactLocation(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s'"@]*@/gi, '$1******@');
}

/** Properties for display: secret values masked. */
export function maskSecrets(props: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, isSecretProperty(k) ? '******' : v]));
}
