import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { addressKey, clientAddress, forwardedAddress, trustedProxies } from '../../src/handshake/client-address.js';

t.test('client address parsing', async (t) => {
  const req = (peer: string, header?: string) =>
    ({
      socket: { remoteAddress: peer },
      headers: header === undefined ? {} : { 'x-forwarded-for': header },
    }) as unknown as IncomingMessage;
  const trusted = trustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  t.equal(clientAddress(req('::ffff:127.0.0.1', '203.0.113.5'), trusted), '203.0.113.5', 'IPv4-mapped peer');
  t.equal(clientAddress(req('127.0.0.1'), trusted), '127.0.0.1', 'no header: the peer');
  t.equal(clientAddress(req('127.0.0.1', 'garbage'), trusted), '127.0.0.1', 'a malformed header: the peer');
  t.equal(clientAddress(req('127.0.0.1', '203.0.113.5, junk, 10.0.0.2'), trusted), '127.0.0.1', 'junk: the peer');
  t.equal(clientAddress(req('fd00::1', '2001:db8::7'), trusted), '2001:db8::7', 'IPv6 proxies');
  t.equal(clientAddress(req('192.0.2.1', '203.0.113.5'), trusted), '192.0.2.1', 'untrusted peer: header ignored');
  t.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64', 'IPv6 counts per /64');
  t.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  t.equal(addressKey('2001:0db8:0000:0001::1'), '2001:db8:0:1::/64');
  t.equal(addressKey('203.0.113.5'), '203.0.113.5', 'IPv4 per address');
});

t.test('X-Forwarded-For entries with a port', async (t) => {
  const cases: [string, string | undefined][] = [
    ['203.0.113.5', '203.0.113.5'],
    [' 203.0.113.5 ', '203.0.113.5'],
    ['203.0.113.5:41234', '203.0.113.5'],
    ['203.0.113.5:0', '203.0.113.5'],
    ['[2001:db8::7]:443', '2001:db8::7'],
    ['[2001:db8::7]', '2001:db8::7'],
    ['2001:db8::7', '2001:db8::7'],
    // A bare IPv6 address whose last group looks like a port is an address, not address:port.
    ['2001:db8::1:443', '2001:db8::1:443'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['[::ffff:203.0.113.5]:80', '203.0.113.5'],
    ['', undefined],
    ['unknown', undefined],
    ['junk:80', undefined],
    ['203.0.113.5:', undefined],
    ['203.0.113.5:99999', undefined],
    ['203.0.113.5:80:80', undefined],
    ['[203.0.113.5]:80', undefined],
    ['[2001:db8::7]:', undefined],
    ['[2001:db8::7', undefined],
    ['203.0.113.256', undefined],
  ];
  for (const [entry, address] of cases) {
    t.equal(forwardedAddress(entry), address, `${JSON.stringify(entry)} -> ${String(address)}`);
  }
});

t.test(
  'behind a trusted proxy, clients with a port are told apart; a malformed entry is the peer, and reported',
  async (t) => {
    const trusted = trustedProxies(['10.0.0.1', 'fd00::/8']);
    const req = (peer: string, header: string) =>
      ({ socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': header } }) as unknown as IncomingMessage;
    const malformed: string[] = [];
    const address = (peer: string, header: string): string =>
      clientAddress(req(peer, header), trusted, (entry) => malformed.push(entry));

    t.equal(address('10.0.0.1', '203.0.113.5:41234'), '203.0.113.5', 'ip:port');
    t.equal(address('10.0.0.1', '198.51.100.9:41234'), '198.51.100.9', 'another client: its own address');
    t.equal(address('fd00::1', '[2001:db8::7]:443'), '2001:db8::7', '[ipv6]:port');
    t.equal(address('10.0.0.1', '192.0.2.1, 203.0.113.5:80, fd00::2'), '203.0.113.5', 'trusted hops skipped');
    t.same(malformed, [], 'nothing reported for well-formed entries');

    t.equal(address('10.0.0.1', '203.0.113.5, bogus'), '10.0.0.1', 'a malformed right-most entry: the peer');
    t.equal(address('10.0.0.1', '203.0.113.5, bogus, fd00::2'), '10.0.0.1', 'also behind a trusted hop');
    t.equal(address('10.0.0.1', ''), '10.0.0.1', 'an empty header: the peer');
    t.equal(address('10.0.0.1', 'bogus, 203.0.113.5'), '203.0.113.5', 'junk left of the client is never read');
    t.same(malformed, ['bogus', 'bogus', ''], 'each malformed entry is reported');

    malformed.length = 0;
    t.equal(address('192.0.2.9', 'bogus'), '192.0.2.9', 'from an untrusted peer the header is not read at all');
    t.same(malformed, [], 'and nothing is reported');
  },
);
