// @ts-check
/**
 * Import rules of the layout (DESIGN.md §2), checked by `npm run lint` (dependency-cruiser).
 * Every path below is relative to the folder lint runs in (the repository root).
 *
 * The lib layers, lowest first: domain < sql < ports < cluster, control, access < repository < jobs < statements < api.
 * A layer imports only layers below it (and itself); adapters import domain, sql, ports, access and other adapters.
 *
 * A rule that the tree breaks today is kept whole: each exception names one file and one module it may import,
 * and says why (see `withExceptions`).
 */

/** @type {Record<string, number>} the layers of lib/ and their rank; lib/adapters stands apart (see below). */
const RANK = {
  domain: 0,
  sql: 1,
  ports: 2,
  cluster: 3,
  control: 3,
  access: 3,
  repository: 4,
  jobs: 5,
  statements: 6,
  api: 7,
};
const LIB_FOLDERS = [...Object.keys(RANK), 'adapters'];
/** The lib folders that lib/adapters may import (no other lib folder imports lib/adapters). */
const ADAPTERS_MAY_IMPORT = ['domain', 'sql', 'ports', 'access', 'adapters'];

/** Folders outside lib/: lib imports none of them. */
const OUTER = ['functions', 'bin', 'cdk', 'test', 'scripts', 'bench'];

/** SDKs and wire protocols: only lib/adapters, bin/, functions/, scripts/, test/ and bench/ import them. */
const WIRE_PACKAGES = [
  '@aws-sdk/',
  '@smithy/',
  '@google-cloud/',
  '@aws-lambda-powertools/',
  'undici',
  'dynalite',
  'aws-local-stepfunctions',
];
const WIRE_BUILTINS = ['net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns'];
const MAY_USE_WIRE = ['lib/adapters', 'bin', 'functions', 'scripts', 'test', 'bench'];

/** cdk/ imports aws-cdk-lib, constructs, cdk-nag, node builtins, lib/domain and itself. */
const CDK_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk-nag'];

const escape = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const under = (/** @type {string[]} */ folders) => `^(${folders.map(escape).join('|')})/`;
const libUnder = (/** @type {string[]} */ layers) => `^lib/(${layers.join('|')})/`;
/** An npm package, resolved into node_modules or (not installed) left as its bare name. */
const packages = (/** @type {string[]} */ names) =>
  `^(node_modules/)?(${names.map((n) => (n.endsWith('/') ? escape(n) : `${escape(n)}(/|$)`)).join('|')})`;
const builtins = (/** @type {string[]} */ names) => `^(node:)?(${names.join('|')})$`;

/**
 * @typedef {{ from: string, to: string, typeOnly?: boolean, why: string }} Exception
 * `from` is one file; `to` is one resolved module (a file, or a builtin's name such as 'stream').
 * With typeOnly, the file may import that module with `import type` only.
 */

/**
 * The rule, less its exceptions: the excepted files leave the rule, and each comes back in a rule of its own
 * that allows exactly its excepted modules (and, for a typeOnly exception, only as types).
 * @param {import('dependency-cruiser').IRegularForbiddenRuleType} rule
 * @param {Exception[]} exceptions
 * @returns {import('dependency-cruiser').IRegularForbiddenRuleType[]}
 */
function withExceptions(rule, exceptions) {
  if (exceptions.length === 0) return [rule];
  const files = [...new Set(exceptions.map((e) => e.from))];
  const asArray = (/** @type {string | string[] | undefined} */ p) => (p === undefined ? [] : [p].flat());
  const exact = (/** @type {string} */ s) => `^${escape(s)}$`;
  /** @type {import('dependency-cruiser').IRegularForbiddenRuleType[]} */
  const rules = [{ ...rule, from: { ...rule.from, pathNot: [...asArray(rule.from?.pathNot), ...files.map(exact)] } }];
  for (const file of files) {
    const own = exceptions.filter((e) => e.from === file);
    rules.push({
      ...rule,
      comment: `${rule.comment}; excepted: ${own.map((e) => `${file} → ${e.to} (${e.why})`).join(', ')}`,
      from: { path: exact(file) },
      to: { ...rule.to, pathNot: [...asArray(rule.to?.pathNot), ...own.map((e) => exact(e.to))] },
    });
    for (const e of own.filter((o) => o.typeOnly)) {
      rules.push({
        ...rule,
        comment: `${rule.comment} (${file} may import ${e.to} with 'import type' only)`,
        from: { path: exact(file) },
        to: { path: exact(e.to), dependencyTypesNot: ['type-only'] },
      });
    }
  }
  return rules;
}

/** @type {import('dependency-cruiser').IRegularForbiddenRuleType[]} */
const layerRules = [];
for (const [layer, rank] of Object.entries(RANK)) {
  if (rank <= RANK.ports) continue; // domain, sql and ports have stricter "imports only" rules below
  const higher = Object.keys(RANK).filter((l) => RANK[l] > rank);
  if (higher.length === 0) continue; // api: nothing above it
  const lower = Object.keys(RANK).filter((l) => RANK[l] <= rank && l !== layer);
  layerRules.push({
    name: `no-upward-import-from-${layer}`,
    severity: 'error',
    comment: `lib/${layer} imports only ${lower.map((l) => `lib/${l}`).join(', ')} and itself`,
    from: { path: libUnder([layer]) },
    to: { path: libUnder(higher) },
  });
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      comment: 'lib/domain is the pure model: it imports nothing outside lib/domain (no builtins, no packages)',
      from: { path: '^lib/domain/' },
      to: { pathNot: '^lib/domain/' },
    },
    {
      name: 'sql-imports-only-sql-and-domain',
      severity: 'error',
      comment: 'lib/sql is pure: it imports only lib/sql and lib/domain (no builtins, no packages)',
      from: { path: '^lib/sql/' },
      to: { pathNot: libUnder(['sql', 'domain']) },
    },
    ...withExceptions(
      {
        name: 'ports-import-only-domain',
        severity: 'error',
        comment: 'lib/ports holds interfaces: it imports only lib/ports and lib/domain (no builtins, no packages)',
        from: { path: '^lib/ports/' },
        to: { pathNot: libUnder(['ports', 'domain']) },
      },
      [
        // TODO(issue 13): the port's body type is node's Readable; a port-owned stream type would remove these two.
        { from: 'lib/ports/object-store.ts', to: 'stream', typeOnly: true, why: 'ObjectStore bodies are Readable' },
        { from: 'lib/ports/object-io.ts', to: 'stream', typeOnly: true, why: 'readBytes takes a Readable' },
        // TODO(issue 13): object-io.ts is code (helpers over the ObjectStore port), not an interface: sha256Hex
        // hashes with node:crypto. It belongs with the repository code that uses it, out of lib/ports.
        { from: 'lib/ports/object-io.ts', to: 'crypto', why: 'sha256Hex' },
      ],
    ),
    ...withExceptions(
      {
        name: 'ports-import-domain-types-only',
        severity: 'error',
        comment: "lib/ports imports lib/domain for its types only ('import type')",
        from: { path: '^lib/ports/' },
        to: { path: '^lib/domain/', dependencyTypesNot: ['type-only'] },
      },
      [
        // TODO(issue 13): getJson throws IntegrityError; goes away with object-io.ts leaving lib/ports (above).
        { from: 'lib/ports/object-io.ts', to: 'lib/domain/errors.ts', why: 'getJson throws IntegrityError' },
      ],
    ),
    ...layerRules,
    {
      name: 'adapters-import-only-domain-sql-ports-access',
      severity: 'error',
      comment: `lib/adapters imports only ${ADAPTERS_MAY_IMPORT.map((l) => `lib/${l}`).join(', ')} among the lib folders`,
      from: { path: '^lib/adapters/' },
      to: { path: '^lib/', pathNot: libUnder(ADAPTERS_MAY_IMPORT) },
    },
    {
      name: 'lib-does-not-import-adapters',
      severity: 'error',
      comment:
        'lib layers reach storage, records and workflows through lib/ports; only bin/, functions/, scripts/, test/ and bench/ pick adapters',
      from: { path: '^lib/', pathNot: '^lib/adapters/' },
      to: { path: '^lib/adapters/' },
    },
    {
      name: 'lib-folder-has-a-layer',
      severity: 'error',
      comment: `lib/ has only the folders ${LIB_FOLDERS.join(', ')}: a new one needs its place in .dependency-cruiser.cjs`,
      from: {},
      to: { path: '^lib/', pathNot: libUnder(LIB_FOLDERS) },
    },
    {
      name: 'lib-folder-has-a-layer',
      severity: 'error',
      comment: `lib/ has only the folders ${LIB_FOLDERS.join(', ')}: a new one needs its place in .dependency-cruiser.cjs`,
      from: { path: '^lib/', pathNot: libUnder(LIB_FOLDERS) },
      to: {},
    },
    {
      name: 'lib-imports-no-outer-folder',
      severity: 'error',
      comment: `lib/ never imports ${OUTER.map((f) => `${f}/`).join(', ')}`,
      from: { path: '^lib/' },
      to: { path: under(OUTER) },
    },
    {
      name: 'sdk-and-wire-only-in-adapters',
      severity: 'error',
      comment: `SDKs and wire protocols (${[...WIRE_PACKAGES, ...WIRE_BUILTINS.map((b) => `node:${b}`)].join(', ')}) are imported only in ${MAY_USE_WIRE.map((f) => `${f}/`).join(', ')}`,
      from: { pathNot: under(MAY_USE_WIRE) },
      to: { path: [packages(WIRE_PACKAGES), builtins(WIRE_BUILTINS)] },
    },
    {
      name: 'cdk-imports-only-domain',
      severity: 'error',
      comment: `cdk/ imports only cdk/, lib/domain, node builtins and ${CDK_PACKAGES.join(', ')}`,
      from: { path: '^cdk/' },
      to: { pathNot: ['^cdk/', '^lib/domain/', packages(CDK_PACKAGES)], dependencyTypesNot: ['core'] },
    },
    {
      name: 'no-unresolvable-import',
      severity: 'error',
      comment: 'an import that cannot be resolved escapes every rule above',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages are resolved (to name them) but not read; a symlinked node_modules (a second work tree) keeps its
    // node_modules/... names.
    doNotFollow: { path: 'node_modules' },
    preserveSymlinks: true,
    exclude: { path: ['(^|/)cdk\\.out/', '(^|/)\\.starbackup/'] },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    progress: { type: 'none' },
  },
};
