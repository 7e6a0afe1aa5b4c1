// A small, strict argument parser: unknown flags are errors, so a typo never
// silently runs with defaults.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  [name: string]: 'boolean' | 'string' | 'number';
}

export interface Parsed {
  positional: string[];
  flags: Record<string, string | number | boolean | undefined>;
}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const positional: string[] = [];
  const flags: Parsed['flags'] = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    let name = a.slice(2), value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    // An empty value is always a mistake (an unset shell variable, `--db ''`): never a default in disguise.
    if (value === '') throw new UsageError(`--${name} needs a value, got an empty one`);
    if (kind === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got '${value}'`);
      flags[name] = n;
    } else flags[name] = value;
  }
  return { positional, flags };
}
