import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { addressKey, clientAddress, trustedProxies } from '../../src/handshake/client-address.js';

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
  t.equal(clientAddress(req('127.0.0.1', '203.0.113.5, junk, 10.0.0.2'), trusted), '10.0.0.2', 'stops at junk');
  t.equal(clientAddress(req('fd00::1', '2001:db8::7'), trusted), '2001:db8::7', 'IPv6 proxies');
  t.equal(clientAddress(req('192.0.2.1', '203.0.113.5'), trusted), '192.0.2.1', 'untrusted peer: header ignored');
  t.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64', 'IPv6 counts per /64');
  t.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  t.equal(addressKey('2001:0db8:0000:0001::1'), '2001:db8:0:1::/64');
  t.equal(addressKey('203.0.113.5'), '203.0.113.5', 'IPv4 per address');
});
