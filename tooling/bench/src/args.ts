/** Command-line arguments of `pnpm bench`: suite names, and `--flag value` / `--flag=value` options. */
export interface BenchArgs {
  readonly suites: readonly string[];
  /** Option values by name (without the dashes); boolean flags map to `'true'`. */
  readonly options: ReadonlyMap<string, string>;
}

/** Flags that take no value. */
const BOOLEAN = new Set(['no-build', 'no-grammars']);

/** Splits argv into suite names and options; throws on an option without its value. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const suites: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      suites.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (eq >= 0) options.set(name, arg.slice(eq + 1));
    else if (BOOLEAN.has(name)) options.set(name, 'true');
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      options.set(name, value);
    }
  }
  return { suites, options };
}
