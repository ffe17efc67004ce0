/** The room a raw baseline's client names in its URL (`/?room=<match>`, the rooms scenario); undefined = none. */
export function roomOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return new URL(url, 'http://baseline').searchParams.get('room') ?? undefined;
}

/** The raw baselines' rooms: members by room name, a room gone with its last member. */
export class RoomSets<T> {
  private readonly rooms = new Map<string, Set<T>>();

  add(room: string, member: T): void {
    let members = this.rooms.get(room);
    if (members === undefined) this.rooms.set(room, (members = new Set()));
    members.add(member);
  }

  delete(room: string, member: T): void {
    const members = this.rooms.get(room);
    if (members?.delete(member) === true && members.size === 0) this.rooms.delete(room);
  }

  get(room: string): ReadonlySet<T> | undefined {
    return this.rooms.get(room);
  }
}
