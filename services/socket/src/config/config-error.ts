/** Thrown by `loadConfig` with a one-line message that starts with the variable's name. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

/** The ConfigError of a value that is not what `name` expects: `NAME must be ... (got "value")`. */
export function invalidValue(name: string, expected: string, value: string): ConfigError {
  return new ConfigError(name, `${expected} (got ${JSON.stringify(value)})`);
}
