/**
 * Reads the flat `[field, value, ...]` list of a Redis Stream entry: `field(name)` answers a value or calls `fail`
 * (which throws) for a missing one; an odd-length list fails at once. Fields nobody asks for are ignored.
 */
export function streamFields(fields: readonly string[], fail: (reason: string) => never): (name: string) => string {
  if (fields.length % 2 !== 0) fail(`odd number of field values (${fields.length})`);
  const values = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) values.set(fields[i] as string, fields[i + 1] as string);
  return (name) => values.get(name) ?? fail(`missing field "${name}"`);
}

/** Parses a stream field as epoch ms (a non-negative safe integer in decimal), or calls `fail`. */
export function epochMsField(value: string, name: string, fail: (reason: string) => never): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(ms)) fail(`${name} is not epoch ms: ${JSON.stringify(value)}`);
  return ms;
}
