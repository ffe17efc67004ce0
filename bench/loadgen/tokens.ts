import { SignJWT } from 'jose';

/** Which users the load generator signs in as: `sub` is `${prefix}${i}`, signed with the service's secret. */
export interface UserSpec {
  prefix: string;
  secret: string;
}

/** Mints access tokens the way the auth API would (HS256, 1 h) and returns their Cookie headers. */
export async function mintCookies(users: UserSpec, from: number, count: number): Promise<string[]> {
  const key = new TextEncoder().encode(users.secret);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const cookies: string[] = [];
  for (let i = from; i < from + count; i++) {
    const token = await new SignJWT({ sub: `${users.prefix}${i}`, username: `${users.prefix}${i}` })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);
    cookies.push(`accessToken=${token}`);
  }
  return cookies;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
