import { printable } from './report/printable.js';
import type { helpTexts } from './usage.js';

/** A wrong command line: exit code 2 with the command's help (an empty message: the help was asked for). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: keyof typeof helpTexts,
  ) {
    super(message);
  }
}

/** One option: a flag, or one that takes a value (named in messages, e.g. `DIR`). */
export interface OptionSpec {
  readonly short?: string;
  /** Takes a value; the word for it in messages (`a directory`). */
  readonly value?: string;
}

/** Options by long name, values by long name (flags: true; valued options: every value given). */
export interface Parsed {
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly positionals: readonly string[];
}

const quoted = (arg: string): string => `"${printable(arg)}"`;

/**
 * Parses a command's arguments in the project's own words (node's `parseArgs` messages were
 * passed through before): `--name`, `--name=value`, `--name value`, `-x`, `-xVALUE`,
 * `-x VALUE`, `--` ending the options; `-` alone is a file (standard input is not read).
 */
export function parseCommand(
  command: keyof typeof helpTexts,
  args: readonly string[],
  spec: Readonly<Record<string, OptionSpec>>,
): Parsed {
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const byShort = new Map(
    Object.entries(spec).flatMap(([name, s]) => (s.short === undefined ? [] : [[s.short, name] as const])),
  );
  const take = (name: string, inline: string | undefined, i: number): number => {
    const s = spec[name]!;
    if (s.value === undefined) {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`, command);
      flags.add(name);
      return i;
    }
    // A separate value may not look like an option (`-L --json`); `-L-x` / `--library-path=-x` may.
    const next = args[i + 1];
    const value = inline ?? (next === undefined || next.startsWith('-') ? undefined : next);
    if (value === undefined || value === '') throw new UsageError(`option --${name} needs ${s.value}`, command);
    values.set(name, [...(values.get(name) ?? []), value]);
    return inline === undefined ? i + 1 : i;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (!Object.hasOwn(spec, name)) throw new UsageError(`unknown option ${quoted(arg)}`, command);
      i = take(name, eq < 0 ? undefined : arg.slice(eq + 1), i);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const name = byShort.get(arg[1]!);
      if (name === undefined) throw new UsageError(`unknown option ${quoted(arg)}`, command);
      const rest = arg.slice(2);
      i = take(name, rest === '' ? undefined : rest, i);
    } else {
      positionals.push(arg);
    }
  }
  return { flags, values, positionals };
}
