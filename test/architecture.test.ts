/**
 * The architecture rules of DESIGN.md's "Style" section and the team's conventions, checked by scanning
 * the source tree. Each rule reports `file:line` of what breaks it. A deliberate exception goes into the
 * rule's ALLOW list with a one-line reason; an entry that no longer matches anything fails the test, so
 * the lists cannot rot.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SKIP_DIRS = new Set(['node_modules', 'results', '.git']);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...walk(path));
    } else if (/\.(ts|mts|mjs)$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/** Every package and service: `packages/log`, `services/api`… */
const UNITS = ['packages', 'services'].flatMap((top) =>
  readdirSync(join(ROOT, top), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, top, d.name, 'package.json')))
    .map((d) => `${top}/${d.name}`),
);
const FILES = ['packages', 'services', 'test', 'bench'].flatMap(walk);
const isTestCode = (f: string) =>
  f.endsWith('.test.ts') || f.includes('/src/testing/') || f.startsWith('test/');
/** Production sources: what ships in packages/x/src and services/x/src, without tests and test helpers. */
const SRC = FILES.filter((f) => /^(packages|services)\/[^/]+\/src\//.test(f) && !isTestCode(f));
const unitOf = (f: string) => /^((?:packages|services)\/[^/]+)\//.exec(f)?.[1];

const cache = new Map<string, { raw: string; code: string }>();
function read(file: string): { raw: string; code: string } {
  let entry = cache.get(file);
  if (!entry) {
    const raw = readFileSync(join(ROOT, file), 'utf8');
    entry = { raw, code: codeOnly(raw) };
    cache.set(file, entry);
  }
  return entry;
}

/**
 * The source with comments, string contents and template-literal text blanked out (same length, same
 * lines), so that rules about code are not tripped by prose or SQL. `${…}` expressions stay code.
 */
function codeOnly(src: string): string {
  const out: string[] = [];
  const braces: number[] = [];
  let mode: 'code' | 'line' | 'block' | 'sq' | 'dq' | 'tpl' | 're' = 'code';
  let inClass = false;
  let lastSignificant = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    const n = src[i + 1];
    const blank = c === '\n' ? '\n' : ' ';
    switch (mode) {
      case 'code':
        if (c === '/' && n === '/') {
          mode = 'line';
          out.push(' ');
        } else if (c === '/' && n === '*') {
          mode = 'block';
          out.push(' ');
        } else if (
          c === '/' &&
          (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant))
        ) {
          mode = 're';
          inClass = false;
          out.push(c);
        } else if (c === "'" || c === '"' || c === '`') {
          mode = c === "'" ? 'sq' : c === '"' ? 'dq' : 'tpl';
          out.push(c);
        } else {
          const depth = braces.length;
          if (depth > 0 && c === '{') braces[depth - 1] = (braces[depth - 1] ?? 0) + 1;
          if (depth > 0 && c === '}') {
            if (braces[depth - 1] === 0) {
              braces.pop();
              mode = 'tpl';
              out.push(c);
              continue;
            }
            braces[depth - 1] = (braces[depth - 1] ?? 1) - 1;
          }
          out.push(c);
          if (!/\s/.test(c)) lastSignificant = /[\w$)\]]/.test(c) ? 'x' : c;
        }
        continue;
      case 'line':
        if (c === '\n') mode = 'code';
        out.push(blank);
        continue;
      case 'block':
        if (c === '*' && n === '/') {
          mode = 'code';
          out.push('  ');
          i++;
        } else {
          out.push(blank);
        }
        continue;
      case 're':
        if (c === '\\') {
          out.push('  ');
          i++;
        } else {
          if (c === '[') inClass = true;
          else if (c === ']') inClass = false;
          else if (c === '/' && !inClass) {
            mode = 'code';
            lastSignificant = 'x';
            out.push(c);
            continue;
          }
          out.push(blank);
        }
        continue;
      default: {
        const close = mode === 'sq' ? "'" : mode === 'dq' ? '"' : '`';
        if (c === '\\') {
          out.push(' ', n === '\n' ? '\n' : ' ');
          i++;
        } else if (c === close) {
          mode = 'code';
          lastSignificant = 'x';
          out.push(c);
        } else if (mode === 'tpl' && c === '$' && n === '{') {
          braces.push(0);
          mode = 'code';
          lastSignificant = '{';
          out.push('${');
          i++;
        } else {
          out.push(blank);
        }
      }
    }
  }
  return out.join('');
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** `file:line` of every match of `pattern` (global) in the file's code, or in its raw text. */
function matches(file: string, pattern: RegExp, view: 'code' | 'raw' = 'code'): string[] {
  const text = read(file)[view];
  return [...text.matchAll(pattern)].map((m) => `${file}:${lineAt(text, m.index)}`);
}

/**
 * Violations minus the allowed ones; fails on allow entries that match nothing (stale exceptions). An
 * allow key is `file` (any line of it) or `file#word` (the violations of that file naming `word`).
 */
function check(found: string[], allow: Record<string, string> = {}) {
  const covers = (key: string, v: string) => {
    const [file, word] = key.split('#');
    return (v === file || v.startsWith(`${file}:`)) && (word === undefined || v.includes(word));
  };
  const allowed = (v: string) => Object.keys(allow).some((a) => covers(a, v));
  const stale = Object.keys(allow).filter((a) => !found.some((v) => covers(a, v)));
  expect({ violations: found.filter((v) => !allowed(v)), staleAllowEntries: stale }).toEqual({
    violations: [],
    staleAllowEntries: [],
  });
}

/** The text between the parenthesis at `open` and its match. */
function parenthesized(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** Top-level comma-separated parts (ignores commas inside (), [], {}, <>). */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i] as string;
    if ('([{<'.includes(c)) depth++;
    else if (')]}>'.includes(c) && list[i - 1] !== '=') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const SERVICES = UNITS.filter((u) => u.startsWith('services/'));

describe('architecture', () => {
  describe("a service's main.ts only wires", () => {
    it.each(SERVICES)(
      '%s/src/main.ts: config loaded once, shutdown registered, ConfigError exits 2',
      (svc) => {
        const file = `${svc}/src/main.ts`;
        const { code } = read(file);
        const name = svc.split('/')[1];
        const problems: string[] = [];
        if (!/export async function main\(processEnv: NodeJS\.ProcessEnv\)/.test(code))
          problems.push('exports main(processEnv: NodeJS.ProcessEnv)');
        if ((code.match(/\bloadEnv\(/g) ?? []).length !== 1) problems.push('calls loadEnv once');
        if ((code.match(/\bloadConfig\(/g) ?? []).length !== 1) problems.push('calls loadConfig once');
        if (!/\bregisterShutdown\(/.test(code)) problems.push('registers graceful shutdown');
        // Runs only as the entry script, through runtime's runIfMain, which turns a ConfigError into a
        // message and exit code 2 (checked below).
        const runs = new RegExp(
          `await runIfMain\\(\\{\\s*moduleUrl: import\\.meta\\.url,\\s*name: '${name}',\\s*main: \\(\\) => main\\(process\\.env\\),?\\s*\\}\\);`,
        );
        const raw = read(file).raw;
        if (!runs.test(raw)) problems.push(`ends with await runIfMain({ moduleUrl, name: '${name}', main })`);
        if ((code.match(/process\.env/g) ?? []).length !== 1)
          problems.push('reads process.env only to pass it');
        if (/process\.argv/.test(code)) problems.push('leaves process.argv to runIfMain');
        expect(problems, file).toEqual([]);
      },
    );

    it('runIfMain reports a ConfigError without a stack trace and exits 2', () => {
      const { code } = read('packages/runtime/src/run-if-main.ts');
      expect(code).toMatch(
        /instanceof ConfigError\)\s*\{[\s\S]{0,300}?stderr[\s\S]{0,100}?\.write\([\s\S]{0,200}?exit\)?\(2\)/,
      );
      expect(existsSync(join(ROOT, 'packages/runtime/src/run-if-main.test.ts'))).toBe(true);
    });
  });

  it('no process.env below the entrypoints', () => {
    const entry = (f: string) => /^services\/[^/]+\/src\/main\.ts$/.test(f);
    check(
      SRC.filter((f) => !entry(f)).flatMap((f) => matches(f, /\bprocess\.env\b/g)),
      {
        'packages/cli/src/run-cli.ts':
          'the CLI is the entrypoint of `hourglass <command>`: it passes process.env on',
      },
    );
  });

  it("the CLI's process loads a command's code when the command runs, not at start-up", () => {
    // Statically imported, the all-in-one `start` made every process evaluate every service, the
    // warehouse client and the API first (packages/cli/src/run-cli.ts).
    check(
      ['packages/cli/src/bin.ts', 'packages/cli/src/run-cli.ts'].flatMap((f) =>
        matches(
          f,
          /^import (?!type )[^;]*from '(@hourglass\/(ingest|detector|aggregator|api|warehouse|log|state)[^']*|\.\/commands\/(start|simulate|migrate)|\.\/simulate[^']*|\.\/index)';/gm,
          'raw',
        ),
      ),
    );
  });

  it('rules are pure: no clock, randomness, I/O or logging in packages/rules/src', () => {
    const rules = SRC.filter((f) => f.startsWith('packages/rules/src/'));
    check(
      rules.flatMap((f) => [
        ...matches(
          f,
          /\bDate\.now\(|\bnew Date\(\)|\bMath\.random\(|\bperformance\.now\(|\bconsole\.|\bprocess\./g,
        ),
        ...matches(
          f,
          /from '(node:[^']*|fs|ioredis|kafkajs|@clickhouse\/client|pino|prom-client|@hourglass\/(log|state|warehouse|runtime))'/g,
          'raw',
        ),
      ]),
    );
  });

  it('adapters contain no rules: log, state and warehouse do not import @hourglass/rules', () => {
    const adapters = SRC.filter((f) => /^packages\/(log|state|warehouse)\/src\//.test(f));
    check(adapters.flatMap((f) => matches(f, /from '@hourglass\/rules'/g, 'raw')));
  });

  it.each([
    ['packages/log', 'describeLogContract'],
    ['packages/state', 'describeStateStoreContract'],
    ['packages/warehouse', 'describeWarehouseContract'],
  ])('%s: one contract suite (%s), run against both adapters', (unit, suite) => {
    const runs = FILES.filter(
      (f) => f.startsWith(`${unit}/src/`) && f.endsWith('.test.ts') && read(f).code.includes(`${suite}(`),
    );
    expect(runs.length, `${suite} runs in ${runs.join(', ')}`).toBeGreaterThanOrEqual(2);
  });

  it('factories (create*/open*/build*) take one options object', () => {
    const found: string[] = [];
    const factory =
      /export (?:async )?function ((?:create|open|build|make)[A-Z]\w*)\s*(?:<[^(]*>)?\(|export const ((?:create|open|build|make)[A-Z]\w*)\s*=\s*(?:async\s*)?\(/g;
    for (const f of SRC) {
      const { code } = read(f);
      for (const m of code.matchAll(factory)) {
        const params = splitTopLevel(parenthesized(code, m.index + m[0].length - 1));
        const primitive =
          params.length === 1 && /^\w+\??\s*(:\s*(string|number|boolean|bigint)\b|=)/.test(params[0] ?? '');
        if (params.length > 1 || primitive) found.push(`${f}:${lineAt(code, m.index)} ${m[1] ?? m[2]}`);
      }
    }
    check(found, {
      'packages/events/src/time.ts#createDayOf':
        'one time zone in, one (ms) => day function out, called per event: a wrapper object would only add noise',
      'packages/events/src/time.ts#createDayStart':
        'same shape as createDayOf: a time zone in, one function out',
      'packages/warehouse/src/clickhouse/segment-rows.ts#createFastDayOf':
        "createDayOf's allocation-free twin for the insert path; same shape",
      'packages/cli/src/simulate/prng.ts#createRng':
        'a seed in, a generator out: the conventional PRNG signature',
    });
  });

  it('no exported classes outside errors.ts: modules export factories returning objects of functions', () => {
    check(
      SRC.filter((f) => !f.endsWith('/errors.ts')).flatMap((f) =>
        matches(f, /^export (?:abstract )?class \w+/gm),
      ),
      {
        'packages/cli/src/simulate/session.ts':
          "SessionBuilder: the simulator's fluent, stateful builder of one session (beats().quiz().end()); internal to the CLI",
      },
    );
  });

  it('a prom-client Registry is injected, never the global one', () => {
    check(
      SRC.flatMap((f) => [
        ...matches(
          f,
          /import \{[^}]*\bregister\b[^}]*\} from 'prom-client'|\b(client|prom|promClient)\.register\b/g,
          'raw',
        ),
        ...(f === 'packages/runtime/src/metrics.ts'
          ? []
          : matches(f, /\bnew Registry\(|collectDefaultMetrics\(/g)),
      ]),
    );
  });

  it('no import-time side effects: top level holds declarations only (entry scripts excepted)', () => {
    // The services' main.ts, and the CLI's process (bin.ts: what bin/hourglass.mjs and the bundle run).
    const entry = (f: string) =>
      /^services\/[^/]+\/src\/main\.ts$/.test(f) || f === 'packages/cli/src/bin.ts';
    check(
      SRC.filter((f) => !entry(f)).flatMap((f) =>
        matches(f, /^(?:await |void )?[A-Za-z_$][\w$]*(?:\.[\w$]+)*\s*\(/gm),
      ),
    );
  });

  describe('each package has one public surface, src/index.ts', () => {
    it.each(UNITS)('%s has src/index.ts', (unit) => {
      expect(existsSync(join(ROOT, unit, 'src/index.ts'))).toBe(true);
    });

    it('imports of @hourglass/* name the package or a subpath its package.json exports', () => {
      const exportsOf = new Map(
        UNITS.map((u) => {
          const pkg = JSON.parse(readFileSync(join(ROOT, u, 'package.json'), 'utf8')) as {
            name: string;
            exports?: Record<string, string>;
          };
          return [pkg.name, Object.keys(pkg.exports ?? { '.': '' })] as const;
        }),
      );
      const found: string[] = [];
      for (const f of FILES) {
        const { raw } = read(f);
        for (const m of raw.matchAll(/from '(@hourglass\/[\w-]+)(\/[^']*)?'/g)) {
          const subpath = `.${m[2] ?? ''}`;
          if (!exportsOf.get(m[1] ?? '')?.includes(subpath)) found.push(`${f}:${lineAt(raw, m.index)}`);
        }
      }
      check(found);
    });

    it("relative imports stay inside their package; tests and the root bench/ use the packages' names", () => {
      const found: string[] = [];
      for (const f of FILES) {
        const { raw } = read(f);
        for (const m of raw.matchAll(/(?:from |import\()'(\.\.?\/[^']*)'/g)) {
          const target = posix.normalize(posix.join(posix.dirname(f), m[1] ?? ''));
          const from = unitOf(f);
          const to = unitOf(target);
          // Root bench/ helpers (machine.ts, generators) are shared by every benchmark.
          if (to !== undefined && to !== from) found.push(`${f}:${lineAt(raw, m.index)} -> ${target}`);
        }
      }
      check(found);
    });
  });

  describe('one errors.ts per package, with a typed code union', () => {
    const ALLOW_NO_ERRORS: Record<string, string> = {
      'services/aggregator':
        "defines no failure of its own: it rethrows its ports' typed errors (LogError, WarehouseError)",
    };

    it.each(UNITS)('%s', (unit) => {
      const problems: string[] = [];
      const files = SRC.filter((f) => f.startsWith(`${unit}/src/`));
      const errorsFiles = files.filter((f) => f.endsWith('/errors.ts'));
      const main = `${unit}/src/errors.ts`;
      if (unit in ALLOW_NO_ERRORS) {
        if (errorsFiles.length > 0)
          problems.push(`remove ${unit} from ALLOW_NO_ERRORS: it has ${errorsFiles}`);
      } else if (!errorsFiles.includes(main)) {
        problems.push(`no ${main}`);
      }
      for (const f of errorsFiles.filter((f) => f !== main)) problems.push(`${f}: a second errors.ts`);
      for (const f of files.filter((f) => f !== main)) {
        problems.push(
          ...matches(f, /\bclass \w+ extends \w*Error\b/g).map(
            (v) => `${v}: an error class outside errors.ts`,
          ),
        );
      }
      if (errorsFiles.includes(main)) {
        const { code } = read(main);
        if (!/export type \w+ErrorCode =/.test(code)) problems.push(`${main}: no exported …ErrorCode union`);
        problems.push(...matches(main, /\bcode: string\b/g).map((v) => `${v}: an untyped code`));
        for (const m of code.matchAll(/\bclass (\w+) extends \w*Error\b[^{]*\{/g)) {
          const body = read(main).raw.slice(m.index, code.indexOf('\n}', m.index));
          if (!/\bcode(: \w+ErrorCode|[^;]*= '[a-z_]+')/.test(body))
            problems.push(`${main}: ${m[1]} has no typed code`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  it('every ClickHouse literal goes through sqlString/sqlNumber: no hand-quoted values in SQL', () => {
    const sqlFiles = FILES.filter((f) => f !== 'packages/warehouse/src/sql.ts');
    check(
      sqlFiles.flatMap((f) =>
        matches(f, /`[^`]*\b(SELECT|INSERT|ALTER|WHERE|VALUES|DROP|CREATE)\b[^`]*'\$\{[^`]*`/g, 'raw').map(
          (v) => {
            // Report the line of the quoted interpolation, not the start of the template.
            const { raw } = read(f);
            const start = Number(v.slice(f.length + 1));
            const lines = raw.split('\n');
            let line = start;
            while (line <= lines.length && !lines[line - 1]?.includes("'${")) line++;
            return `${f}:${line}`;
          },
        ),
      ),
    );
  });
});

describe('codeOnly', () => {
  it('blanks comments, strings and template text but keeps interpolated code, lengths and lines', () => {
    const src =
      "const a = 'x // y'; // process.env\nconst r = /'/g; const t = `a $" + '{b("c")} d`; /* e\n */ f();';
    const code = codeOnly(src);
    expect(code.length).toBe(src.length);
    expect(code.split('\n').length).toBe(src.split('\n').length);
    expect(code).not.toContain('process');
    expect(code).toContain('${b(');
    expect(code).toContain('f();');
    expect(code).not.toContain('y');
    expect(code).not.toContain(' d`');
    expect(code).not.toContain('e\n');
  });

  it('the scanned tree is not empty', () => {
    expect(SRC.length).toBeGreaterThan(50);
  });
});
