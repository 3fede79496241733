import { DECLARED_SECRET_PROPERTIES } from './secret-properties.ts';

/**
 * Which repository and catalog properties are secrets: never stored in clear, never shown, never logged.
 * A property is secret when the backend or catalog type at hand declares it (secret-properties.ts) or
 * when its name looks like one: the pattern keeps an undeclared property safe by default (a new
 * `*.secret_key` is hidden without a code change), the declarations catch what no pattern would
 * (`kerberos_keytab_content`, `odps.access.id`). A caller that cannot tell the backend or type passes
 * nothing and gets every declared name.
 */
const SECRET = /(secret|password|passwd|token|credential|access[._-]?key|private[._-]?key|shared[._-]?key|account[._-]?key|sas|signature|session|service[._-]?account[._-]?json|json[._-]?key)/i;

/** Declared names, lower-cased once per list (they compare without regard to case). */
const lowered = new WeakMap<readonly string[], ReadonlySet<string>>();

function declaredSet(declared: readonly string[]): ReadonlySet<string> {
  let set = lowered.get(declared);
  if (!set) lowered.set(declared, (set = new Set(declared.map((n) => n.toLowerCase()))));
  return set;
}

export function isSecretProperty(key: string, declared: readonly string[] = DECLARED_SECRET_PROPERTIES): boolean {
  return declaredSet(declared).has(key.toLowerCase()) || SECRET.test(key);
}

export function splitSecrets(
  props: Record<string, string>,
  declared: readonly string[] = DECLARED_SECRET_PROPERTIES,
): { plain: Record<string, string>; secrets: Record<string, string> } {
  const plain: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) (isSecretProperty(k, declared) ? secrets : plain)[k] = v;
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
export function maskSecrets(props: Record<string, string>, declared: readonly string[] = DECLARED_SECRET_PROPERTIES): Record<string, string> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, isSecretProperty(k, declared) ? '******' : v]));
}
