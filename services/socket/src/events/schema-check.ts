import { CLIENT_EVENT_SCHEMAS } from '@gamesocket/protocol';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Stage } from './inbound.js';

/**
 * The schema stage: the payload against the event's schema (compiled once), answering
 * `INVALID_PAYLOAD` with the first error's path and message.
 */
export function schemaCheck(): Stage {
  const validators = new Map<string, TypeCheck<TSchema>>(
    Object.entries(CLIENT_EVENT_SCHEMAS).map(([event, schema]) => [event, TypeCompiler.Compile(schema)]),
  );
  return ({ name, args }) => {
    const validator = validators.get(name);
    const payload = args[0];
    if (validator === undefined || validator.Check(payload)) return undefined;
    const first = validator.Errors(payload).First();
    const where = first?.path ? `${first.path}: ` : '';
    return { refuse: { code: 'INVALID_PAYLOAD', message: `${where}${first?.message ?? 'invalid payload'}` } };
  };
}
