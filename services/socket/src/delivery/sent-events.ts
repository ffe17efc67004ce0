import { domainOf, isEventName } from '@gamesocket/protocol';

import type { SentSlot } from '../core/metrics.js';
import { isEventHead, readWriteHead } from './packet-head.js';

/**
 * Counts the events written to connections by catalogue domain (`unknown` outside it), from the
 * encoded packets Socket.IO hands to each connection. A broadcast hands the same packets to every
 * socket it reaches, so the name is read once per broadcast and each socket costs one increment
 * (a per-socket `onAnyOutgoing` listener and a labelled `inc` per socket cost about as much as the
 * write itself). Acks and CONNECT packets are not events and are not counted. `slotOf` is called
 * once per broadcast and must return the same slot for the same domain.
 */
export function createSentEventCounter(slotOf: (domain: string) => SentSlot): (packets: unknown) => void {
  let lastPackets: unknown;
  let lastSlot: SentSlot | undefined;
  return (packets) => {
    if (packets !== lastPackets) {
      lastPackets = packets;
      const head = readWriteHead(packets);
      if (!isEventHead(head)) {
        lastSlot = undefined;
      } else {
        const name = head.event;
        lastSlot = slotOf(name !== undefined && isEventName(name) ? domainOf(name) : 'unknown');
      }
    }
    if (lastSlot !== undefined) lastSlot.count++;
  };
}
