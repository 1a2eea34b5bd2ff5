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

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (SPEC §1); a route without one is open to anyone (the OpenAPI document). */
    area?: Area;
  }
}

/**
 * The routes' gate. `check` runs as the scope's onRequest hook, before the body is parsed, so a caller
 * without a token learns 401 rather than how its body would have been read; the area comes from the
 * route's own `config`, so the gate and the route cannot name different areas. Handlers take the
 * checked user with `userOf`.
 */
export function createAuthGuard({ authenticator }: { authenticator: Authenticator }) {
  const users = new WeakMap<FastifyRequest, UserPrincipal>();
  return {
    /**
     * Stores the user behind the request's bearer token if its role may use the route's area; 401 for a
     * missing or unknown token, 403 for a platform token or a user of another role.
     */
    check(request: FastifyRequest): void {
      // Unmatched requests (the 404 handler) have no route config of ours.
      const area = request.routeOptions.config?.area;
      if (area === undefined) return;
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
      users.set(request, principal);
    },
    /** The user `check` let through; throws for a route declared without an area (a wiring mistake). */
    userOf(request: FastifyRequest): UserPrincipal {
      const user = users.get(request);
      if (user === undefined) {
        throw new Error(
          `route ${request.routeOptions.url ?? '?'} declares no config.area but reads the user`,
        );
      }
      return user;
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
