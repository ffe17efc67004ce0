import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { trustedProxies } from '../../src/handshake/client-address.js';
import { originCheck } from '../../src/handshake/origin.js';
import { requestOrigin, requestScheme } from '../../src/handshake/request-origin.js';

const trusted = trustedProxies(['10.0.0.0/8']);

/** A request from `peer` with these headers, over TLS when `encrypted`. */
const req = (peer: string, headers: Record<string, string | string[]>, encrypted = false) =>
  ({ socket: { remoteAddress: peer, encrypted }, headers }) as unknown as IncomingMessage;

t.test('the scheme: TLS here, or a trusted proxy’s X-Forwarded-Proto', async (t) => {
  t.equal(requestScheme(req('192.0.2.1', {}), trusted), 'http', 'plain socket');
  t.equal(requestScheme(req('192.0.2.1', {}, true), trusted), 'https', 'a TLS socket');
  t.equal(requestScheme(req('10.0.0.5', { 'x-forwarded-proto': 'https' }), trusted), 'https', 'trusted proxy');
  t.equal(requestScheme(req('10.0.0.5', { 'x-forwarded-proto': 'WSS' }), trusted), 'https', 'wss, any case');
  t.equal(requestScheme(req('10.0.0.5', { 'x-forwarded-proto': 'https, http' }), trusted), 'http', 'right-most');
  t.equal(requestScheme(req('10.0.0.5', { 'x-forwarded-proto': 'http, https' }), trusted), 'https');
  t.equal(requestScheme(req('192.0.2.1', { 'x-forwarded-proto': 'https' }), trusted), 'http', 'untrusted: ignored');
  t.equal(requestScheme(req('10.0.0.5', { 'x-forwarded-proto': 'gopher' }), trusted), 'http');
});

t.test('the origin a request was addressed to', async (t) => {
  const cases: [string, IncomingMessage, string | undefined][] = [
    ['host and port', req('192.0.2.1', { host: '127.0.0.1:3000' }), 'http://127.0.0.1:3000'],
    ['lower-cased', req('192.0.2.1', { host: 'Game.Example.COM' }), 'http://game.example.com'],
    ['http default port dropped', req('192.0.2.1', { host: 'game.example.com:80' }), 'http://game.example.com'],
    [
      'https default port dropped',
      req('10.0.0.5', { host: 'game.example.com:443', 'x-forwarded-proto': 'https' }),
      'https://game.example.com',
    ],
    ['port 443 over http is kept', req('192.0.2.1', { host: 'game.example.com:443' }), 'http://game.example.com:443'],
    ['IPv6', req('192.0.2.1', { host: '[::1]:3000' }), 'http://[::1]:3000'],
    ['no Host', req('192.0.2.1', {}), undefined],
    ['empty Host', req('192.0.2.1', { host: '' }), undefined],
    ['user info', req('192.0.2.1', { host: 'evil.example@game.example.com' }), undefined],
    ['a path', req('192.0.2.1', { host: 'game.example.com/x' }), undefined],
    ['a query', req('192.0.2.1', { host: 'game.example.com?x' }), undefined],
    ['a backslash', req('192.0.2.1', { host: 'game.example.com\\x' }), undefined],
    ['a bad port', req('192.0.2.1', { host: 'game.example.com:99999' }), undefined],
  ];
  for (const [what, request, expected] of cases) t.equal(requestOrigin(request, trusted), expected, what);
});

t.test('originCheck: allowlisted, absent or same-origin Origins pass', async (t) => {
  const refused: string[] = [];
  const check = originCheck(['https://app.example.com'], { trusted, onRefused: (o) => refused.push(o) });
  const host = { host: '127.0.0.1:3000' };
  t.equal(check(req('192.0.2.1', host)), undefined, 'no Origin');
  t.equal(check(req('192.0.2.1', { ...host, origin: 'https://app.example.com' })), undefined, 'allowlisted');
  t.equal(check(req('192.0.2.1', { ...host, origin: 'http://127.0.0.1:3000' })), undefined, 'same origin');
  for (const origin of [
    'http://127.0.0.1:3001',
    'http://localhost:3000',
    'https://127.0.0.1:3000',
    'http://127.0.0.1:3000/',
    'http://evil.example',
    'null',
  ]) {
    t.equal(check(req('192.0.2.1', { ...host, origin })), 'origin not allowed', `${origin} is refused`);
  }
  t.equal(refused.length, 6, 'each refusal is reported');
  const proxied = { host: 'game.example.com', 'x-forwarded-proto': 'https' };
  t.equal(check(req('10.0.0.5', { ...proxied, origin: 'https://game.example.com' })), undefined, 'https behind TLS');
  t.equal(
    check(req('10.0.0.5', { ...proxied, origin: 'http://game.example.com' })),
    'origin not allowed',
    'an http page of the same host is another origin',
  );
  t.equal(
    check(req('192.0.2.1', { ...proxied, origin: 'https://game.example.com' })),
    'origin not allowed',
    'X-Forwarded-Proto from an untrusted peer does not make it https',
  );
});
