import { createHmac, timingSafeEqual } from 'node:crypto';

/** The form field every admin action carries its token in. */
export const CSRF_FIELD = 'csrf';

/** Issues and checks the admin forms' anti-CSRF token. */
export interface CsrfTokens {
  /** The token of `admin` (an admin user name), put in every form the view renders for them. */
  issue(admin: string): string;
  /** True when `token` is the one of `admin`; false when missing, malformed or another's. */
  check(admin: string, token: unknown): boolean;
}

/**
 * Anti-CSRF tokens for the admin forms: an HMAC of the admin identity with a key derived from the
 * admin credentials. Basic-auth credentials are sent by the browser with any request to the view, a
 * cross-site form post included; only a page the view rendered knows the token. Every pod derives
 * the same key, so a form rendered by one pod posts to any other (the view may sit behind the load
 * balancer); changing `ADMIN_PASSWORD` changes every token.
 */
export function csrfTokens(user: string, password: string): CsrfTokens {
  const secret = createHmac('sha256', password).update(`gamesocket-admin-csrf:${user}`).digest();
  const issue = (admin: string): string => createHmac('sha256', secret).update(`admin:${admin}`).digest('base64url');
  return {
    issue,
    check(admin, token) {
      if (typeof token !== 'string' || token.length === 0) return false;
      const expected = Buffer.from(issue(admin));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
