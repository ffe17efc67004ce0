import type { TSchema } from '@sinclair/typebox';

/** A plain JSON Schema object, as written into a contract document. */
export type JsonSchema = { [key: string]: unknown };

const OMITTED = 'May be omitted: the event is then sent without an argument.';

const isUndefinedSchema = (schema: unknown): boolean =>
  typeof schema === 'object' && schema !== null && (schema as JsonSchema).type === 'undefined';

/** Drops TypeBox's `{ type: 'undefined' }` (not JSON Schema) from every `anyOf`, and says so in the description. */
function withoutUndefined(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutUndefined);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) out[key] = withoutUndefined(value);
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.some(isUndefinedSchema)) {
    out.anyOf = anyOf.filter((member) => !isUndefinedSchema(member));
    out.description = typeof out.description === 'string' ? `${out.description} ${OMITTED}` : OMITTED;
  }
  return out;
}

/**
 * The JSON Schema of a TypeBox schema as other languages read it: a plain JSON copy (TypeBox's symbol keys
 * dropped), where an argument that may be absent (`Type.Undefined()` in a union) is left out of `anyOf` and
 * described instead.
 */
export function toJsonSchema(schema: TSchema): JsonSchema {
  return withoutUndefined(JSON.parse(JSON.stringify(schema))) as JsonSchema;
}
