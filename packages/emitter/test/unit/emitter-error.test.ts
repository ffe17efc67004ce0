import t from 'tap';
import { EmitterError, type EmitterErrorCode } from '@gamesocket/emitter';

t.test('EmitterError carries its code, message and cause', async (t) => {
  const code: EmitterErrorCode = 'UNAVAILABLE';
  const err = new EmitterError(code, 'redis is down', { cause: new Error('ECONNREFUSED') });
  t.type(err, Error, 'EmitterError is an Error');
  t.equal(err.name, 'EmitterError');
  t.equal(err.code, 'UNAVAILABLE');
  t.equal(err.message, 'redis is down');
  t.type(err.cause, Error, 'keeps its cause');
});
