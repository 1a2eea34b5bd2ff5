import { type Config, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_IN_FLIGHT_BODY_BYTES } from './config';
import { hashToken } from './hash';

/**
 * Plain demo tokens of the development configuration, used when HOURGLASS_CONFIG is unset. They are
 * public (README, `hourglass` CLI): never run a deployment reachable by others without a real config.
 */
export const DEMO_TOKENS = {
  platforms: {
    cvto: 'demo-platform-cvto',
    skillup: 'demo-platform-skillup',
    gongjiang: 'demo-platform-gongjiang',
  },
  /** Supervisor of every platform. */
  supervisor: 'demo-supervisor',
  /** Supervisor scoped to the cvto platform only. */
  supervisorCvto: 'demo-supervisor-cvto',
  statistician: 'demo-statistician',
  admin: 'demo-admin',
} as const;

/**
 * The address a process holding user or platform tokens listens on. The development configuration's demo
 * tokens are public (demo-admin replays events and decides flags), so such a process answers on loopback
 * only; a real configuration listens on every interface.
 */
export function listenHost(isDevelopmentConfig: boolean): string {
  return isDevelopmentConfig ? '127.0.0.1' : '0.0.0.0';
}

export const DEMO_PLATFORMS = [
  { id: 'cvto', name: 'China Vocational Training Online' },
  { id: 'skillup', name: 'SkillUp Academy' },
  { id: 'gongjiang', name: 'Gongjiang Craft School' },
] as const;

/** The development configuration (SPEC §6): demo platforms and users, default policy, no rate limits. */
export function developmentConfig(): Config {
  return {
    timezone: 'Asia/Shanghai',
    policy: {},
    platforms: DEMO_PLATFORMS.map((p) => ({
      id: p.id,
      name: p.name,
      tokens: [hashToken(DEMO_TOKENS.platforms[p.id])],
    })),
    users: [
      {
        name: 'demo.supervisor',
        role: 'supervisor',
        platforms: ['*'],
        tokens: [hashToken(DEMO_TOKENS.supervisor)],
      },
      {
        name: 'demo.supervisor.cvto',
        role: 'supervisor',
        platforms: ['cvto'],
        tokens: [hashToken(DEMO_TOKENS.supervisorCvto)],
      },
      { name: 'demo.statistician', role: 'statistician', tokens: [hashToken(DEMO_TOKENS.statistician)] },
      { name: 'demo.admin', role: 'admin', tokens: [hashToken(DEMO_TOKENS.admin)] },
    ],
    ingest: { maxBodyBytes: DEFAULT_MAX_BODY_BYTES, maxInFlightBodyBytes: DEFAULT_MAX_IN_FLIGHT_BODY_BYTES },
  };
}
