import { ConfigError, invalidValue } from './config-error.js';
import { parseCidr } from './cidr.js';

/** How one variable's text becomes a value. */
export interface Kind<T> {
  /** Parses a set (non-empty) value of the variable `name`; throws a ConfigError naming it when invalid. */
  parse(text: string, name: string): T;
  /** The value as the variable's text (how defaults are documented). */
  format(value: T): string;
  /** The values accepted, for the docs (markdown). */
  readonly values: string;
  /** Used byte for byte: never trimmed, only empty means unset (secrets). */
  readonly verbatim?: boolean;
}

/** A whole number from `min` to `max`, decimal digits only. */
export function integer(min: number, max: number): Kind<number> {
  return {
    parse(text, name) {
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
        throw invalidValue(name, `must be an integer from ${min} to ${max}`, text);
      }
      return n;
    },
    format: String,
    values: `${min}–${max}`,
  };
}

/** One of `values`, exactly. */
export function oneOf<T extends string>(values: readonly T[]): Kind<T> {
  return {
    parse(text, name) {
      const value = values.find((candidate) => candidate === text);
      if (value === undefined) throw invalidValue(name, `must be one of ${values.join(', ')}`, text);
      return value;
    },
    format: String,
    values: values.map((value) => `\`${value}\``).join(', '),
  };
}

/** `true` or `false`. */
export const flag: Kind<boolean> = {
  parse(text, name) {
    if (text !== 'true' && text !== 'false') throw invalidValue(name, 'must be true or false', text);
    return text === 'true';
  },
  format: String,
  values: '`true`, `false`',
};

/** Any text. */
export const text: Kind<string> = { parse: (value) => value, format: String, values: 'any text' };

/** Text matching `pattern`, described as `what` (`a cookie name`) in the error and the docs. */
export function matching(pattern: RegExp, what: string): Kind<string> {
  return {
    parse(value, name) {
      if (!pattern.test(value)) throw invalidValue(name, `must be ${what}`, value);
      return value;
    },
    format: String,
    values: what,
  };
}

/** A secret of at least `min` of `unit`; never echoed in an error. */
export function secret(min: number, unit: 'bytes' | 'characters'): Kind<string> {
  return {
    parse(value, name) {
      const length = unit === 'bytes' ? Buffer.byteLength(value, 'utf8') : value.length;
      if (length < min) throw new ConfigError(name, `must be at least ${min} ${unit}`);
      return value;
    },
    format: String,
    values: `≥ ${min} ${unit}`,
    verbatim: true,
  };
}

/** An absolute http(s) URL. */
export const httpUrl: Kind<URL> = {
  parse(value, name) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalidValue(name, 'must be an absolute URL', value);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw invalidValue(name, 'must be an http(s) URL', value);
    return url;
  },
  format: (url) => url.href,
  values: 'an http(s) URL',
};

/**
 * Comma-separated entries, each trimmed and accepted by `accepts`; `expected` says what a bad entry
 * lacks (in the error), `values` what the list holds (in the docs).
 */
export function commaList(accepts: (entry: string) => boolean, expected: string, values: string): Kind<string[]> {
  return {
    parse(value, name) {
      return value.split(',').map((raw) => {
        const entry = raw.trim();
        if (!accepts(entry)) throw invalidValue(name, expected, entry);
        return entry;
      });
    },
    format: (entries) => entries.join(','),
    values,
  };
}

const parsedUrl = (text: string): URL | undefined => {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
};

/** Comma list of `redis://` / `rediss://` node URLs. */
export const redisUrlList = commaList(
  (entry) => {
    const url = parsedUrl(entry);
    return url !== undefined && /^rediss?:$/.test(url.protocol) && url.hostname !== '';
  },
  'must be redis:// or rediss:// URLs, comma separated',
  'comma list of `redis://` or `rediss://` URLs',
);

/** Comma list of http(s) page origins, each exactly an origin (no path, no trailing slash). */
export const originList = commaList(
  (entry) => {
    const url = parsedUrl(entry);
    return url !== undefined && url.origin === entry && /^https?:$/.test(url.protocol);
  },
  'must list origins like https://game.example.com',
  'comma list of origins like `https://game.example.com`',
);

/** Comma list of IPs and CIDR blocks (see `parseCidr`). */
export const cidrList = commaList(
  (entry) => parseCidr(entry) !== undefined,
  'must list IPs or CIDRs like 10.0.128.0/28',
  'comma list of IPs or CIDRs like `10.0.128.0/28`',
);
