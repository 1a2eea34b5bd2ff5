import type { Authenticator, Principal, Role } from '@hourglass/runtime';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from './errors';

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** Who may call what (SPEC §1): admins may do everything the other roles may. */
export const ROLES_FOR = {
  stats: ['statistician', 'admin'],
  review: ['supervisor', 'admin'],
  admin: ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Area = keyof typeof ROLES_FOR;

const AREA_NAMES: Record<Area, string> = {
  stats: 'statistician or admin',
  review: 'supervisor or admin',
  admin: 'admin',
};

/**
 * The area a route belongs to, by its URL pattern; null for routes open to anyone (the OpenAPI document)
 * and for requests that matched no route.
 */
export function areaOfRoute(url: string | undefined): Area | null {
  if (url === undefined) return null;
  if (url.startsWith('/v1/stats/')) return 'stats';
  if (url.startsWith('/v1/flags') || url.startsWith('/v1/sessions/')) return 'review';
  if (url.startsWith('/v1/admin/')) return 'admin';
  return null;
}

export function createAuthGuard({ authenticator }: { authenticator: Authenticator }) {
  return {
    /**
     * The user behind the request's bearer token if its role may use `area`; 401 for a missing or
     * unknown token, 403 for a platform token or a user of another role.
     */
    require(request: FastifyRequest, area: Area): UserPrincipal {
      const header = request.headers.authorization;
      const principal = authenticator.authenticate(header);
      if (principal === null) {
        throw unauthorized(
          header === undefined ? 'missing bearer token' : 'unknown or malformed bearer token',
        );
      }
      if (principal.kind !== 'user') {
        throw forbidden('platform tokens may only send events; this endpoint needs a user token');
      }
      if (!(ROLES_FOR[area] as readonly Role[]).includes(principal.role)) {
        throw forbidden(`role ${principal.role} may not use this endpoint (needs ${AREA_NAMES[area]})`);
      }
      return principal;
    },
  };
}
export type AuthGuard = ReturnType<typeof createAuthGuard>;

/** Whether a supervisor (or admin, whose scope is everything) may see a platform's flags and sessions. */
export function inScope(user: UserPrincipal, platformId: string): boolean {
  return user.role !== 'supervisor' || user.platforms === '*' || user.platforms.includes(platformId);
}

/** The scope handed to warehouse queries: '*' or the supervisor's platform ids. */
export function scopeOf(user: UserPrincipal): '*' | string[] {
  return user.role !== 'supervisor' ? '*' : user.platforms;
}
