import type { Kind } from './kinds.js';

/** Environment-like input: every value is a string or absent. */
export type Env = Record<string, string | undefined>;

/** One documented configuration variable (what the deploy files and the README are checked against). */
export interface ConfigVariable {
  name: string;
  /** What it means (markdown), as in the README's table. */
  doc: string;
  /** Default when unset, as text; undefined when there is none. */
  default: string | undefined;
}

/** One variable of the table: its documentation and how it is read. */
export interface Variable<T> extends ConfigVariable {
  /** The values accepted, for the README (markdown). */
  readonly values: string;
  /** The README's default cell (markdown). */
  readonly defaultDoc: string;
  /** Set when production needs the variable even though it has a default: what to set, for the error. */
  readonly requiredInProduction: string | undefined;
  /** True when `env` sets the variable (empty, and for non-secrets blank, counts as unset). */
  isSet(env: Env): boolean;
  /** The parsed value, or the default when unset. @throws ConfigError naming the variable. */
  read(env: Env): T;
}

/** The parts of a variable written in the table. */
export interface VariableSpec<T> {
  /** The environment variable's name. */
  name: string;
  kind: Kind<T>;
  /** One sentence (markdown): what it means, and what 0 or unset means. */
  doc: string;
  /** The value when unset; absent = undefined (derived in `loadConfig`, or off). */
  default?: T;
  /** The README's default cell when the value alone would mislead (computed or derived defaults). */
  defaultDoc?: string;
  /** See `Variable.requiredInProduction`. */
  requiredInProduction?: string;
}

/** The value type a table entry reads. */
export type ValueOf<V> = V extends Variable<infer T> ? T : never;

/** Declares a variable with a default: it always reads a `T`. */
export function variable<T>(spec: VariableSpec<T> & { default: T }): Variable<T>;
/** Declares a variable without a default: unset reads undefined. */
export function variable<T>(spec: VariableSpec<T>): Variable<T | undefined>;
export function variable<T>(spec: VariableSpec<T>): Variable<T | undefined> {
  const { name, kind, doc } = spec;
  const given = (env: Env): string | undefined => {
    const value = env[name];
    if (value === undefined) return undefined;
    const used = kind.verbatim === true ? value : value.trim();
    return used === '' ? undefined : used;
  };
  const defaultText = spec.default === undefined ? undefined : kind.format(spec.default);
  return {
    name,
    doc: spec.requiredInProduction === undefined ? doc : `${doc}; required in production`,
    default: spec.defaultDoc === undefined ? defaultText : spec.defaultDoc.replaceAll('`', ''),
    values: kind.values,
    defaultDoc: spec.defaultDoc ?? (defaultText === undefined ? 'unset' : `\`${defaultText}\``),
    requiredInProduction: spec.requiredInProduction,
    isSet: (env) => given(env) !== undefined,
    read(env) {
      const value = given(env);
      return value === undefined ? spec.default : kind.parse(value, name);
    },
  };
}
