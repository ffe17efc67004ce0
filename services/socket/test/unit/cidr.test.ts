import t from 'tap';
import { parseCidr } from '../../src/config/cidr.js';
import { trustedProxies } from '../../src/handshake/client-address.js';

t.test('addresses and blocks of both families', async (t) => {
  t.same(parseCidr('10.0.0.1'), { address: '10.0.0.1', type: 'ipv4', prefix: undefined });
  t.same(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', type: 'ipv4', prefix: 8 });
  t.same(parseCidr('0.0.0.0/0'), { address: '0.0.0.0', type: 'ipv4', prefix: 0 });
  t.same(parseCidr('10.0.0.0/32'), { address: '10.0.0.0', type: 'ipv4', prefix: 32 });
  t.same(parseCidr('::1'), { address: '::1', type: 'ipv6', prefix: undefined });
  t.same(parseCidr('fd00::/8'), { address: 'fd00::', type: 'ipv6', prefix: 8 });
  t.same(parseCidr('fd00::/128'), { address: 'fd00::', type: 'ipv6', prefix: 128 });
});

t.test('anything else is undefined', async (t) => {
  for (const text of [
    '',
    'lb.internal',
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0.0/-1',
    '10.0.0.0/ 8',
    '10.0.0.0/1e1',
    '256.0.0.1',
    '10.0.0.1 ',
  ]) {
    t.equal(parseCidr(text), undefined, JSON.stringify(text));
  }
});

t.test('what it parses is what BlockList checks (the trusted-proxy set)', async (t) => {
  const trusted = trustedProxies(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
  t.ok(trusted.has('10.200.0.1'), 'inside the IPv4 block');
  t.notOk(trusted.has('11.0.0.1'), 'outside it');
  t.ok(trusted.has('192.168.1.7'), 'the single address');
  t.notOk(trusted.has('192.168.1.8'), 'its neighbour');
  t.ok(trusted.has('::ffff:10.1.2.3'), 'an IPv4-mapped peer');
  t.ok(trusted.has('fd12::1'), 'inside the IPv6 block');
  t.notOk(trusted.has('fe80::1'), 'outside it');
  t.throws(() => trustedProxies(['lb.internal']), /not an IP or CIDR/, 'a host name is refused, not ignored');
});
