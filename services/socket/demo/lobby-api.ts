import type { PublicUser, RoomSummary } from '@gamesocket/protocol';

/** A room with its players, as the example backend's join endpoint returns it. */
export interface RoomDetail extends RoomSummary {
  members: (PublicUser & { ready: boolean })[];
}

/** What a call to the example backend gave: the value, or a line to show. */
export type Result<T> = { ok: true; value: T } | { ok: false; message: string };

/** How long a call to the example backend may take. */
const TIMEOUT_MS = 5000;

/**
 * The example backend (services/lobby-example) as the page calls it: cross-origin, with the access-token cookie
 * (`credentials: 'include'`; cookies are per host, not per port, so the socket service's cookie reaches it).
 */
export class LobbyApi {
  constructor(readonly url: string) {}

  /** `GET /rooms`: the lobby's room list. */
  rooms(): Promise<Result<RoomSummary[]>> {
    return this.call<{ rooms: RoomSummary[] }>('GET', '/rooms').then((r) =>
      r.ok ? { ok: true, value: r.value.rooms } : r,
    );
  }

  /** `POST /rooms/:roomId/join`: records the player and returns a room ticket for `room:join`, and the room. */
  join(roomId: string): Promise<Result<{ ticket: string; room: RoomDetail }>> {
    return this.call('POST', `/rooms/${encodeURIComponent(roomId)}/join`);
  }

  private async call<T>(method: 'GET' | 'POST', path: string): Promise<Result<T>> {
    try {
      const res = await fetch(`${this.url}${path}`, {
        method,
        credentials: 'include',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = (await res.json().catch(() => undefined)) as
        (T & { error?: { code: string; message: string } }) | undefined;
      if (res.ok && body !== undefined) return { ok: true, value: body };
      return { ok: false, message: body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, message: `cannot reach the example backend at ${this.url} (${(err as Error).message})` };
    }
  }
}

/**
 * The example backend's URL: `?lobby=<url>` on the page, else the page's host on port 3100 (the backend's default
 * PORT; `npm run start:lobby-example` and the compose stack use it).
 */
export function lobbyUrl(location: Location): string {
  const fromQuery = new URLSearchParams(location.search).get('lobby');
  if (fromQuery !== null && /^https?:\/\/[^/]+$/.test(fromQuery)) return fromQuery;
  return `${location.protocol}//${location.hostname}:3100`;
}
