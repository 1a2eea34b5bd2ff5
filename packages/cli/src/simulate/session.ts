import type { HourglassEvent } from '@hourglass/events';
import type { Course, LearnerProfile } from './catalogue';
import type { Rng } from './prng';
import type { Timeline } from './timeline';

/**
 * What a learner does between two heartbeats. `watch`/`read` are active in SPEC §4's sense (media
 * advancing while focused, or input events); `away`/`hidden`/`background` are not; the rest are the
 * manipulations a scenario needs.
 */
export type Beat =
  | 'active'
  | 'watch'
  | 'read'
  | 'away'
  | 'hidden'
  | 'background'
  | 'presence_failed'
  | 'seek'
  | 'fast';

export interface SessionSpec {
  platformId: string;
  sessionId: string;
  learnerId: string;
  course: Course;
  deviceId: string;
  profile: LearnerProfile;
  intervalSec: number;
  client: string;
  /** Normal playback rate of this learner; kept ≤ 2 (SPEC default `maxPlaybackRate`) except for `fast`. */
  rate: number;
}

/** Receipt time of an event that happened at `timeMs`. */
export type Receipt = (timeMs: number) => number;

const FAST_RATE = 4;
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Emits one study session: session.start, heartbeats at the platform's cadence with a little jitter
 * (kept well under the cap of 2 × intervalSec), quizzes between heartbeats, session.end.
 * Every heartbeat carries `media` once the session has begun, so a rules engine always has the previous
 * position to measure advance and seeking against.
 */
export class SessionBuilder {
  private seq = 0;
  private lastMs: number;
  private position = 0;
  private previous: Beat | null = null;
  private quizzes = 0;
  private ended = false;
  private lastReceivedMs = Number.NEGATIVE_INFINITY;
  private readonly sent: { event: HourglassEvent; timeMs: number; receivedAtMs: number }[] = [];

  constructor(
    private readonly timeline: Timeline,
    private readonly rng: Rng,
    readonly spec: SessionSpec,
    startMs: number,
    private readonly receipt: Receipt,
  ) {
    this.lastMs = startMs;
    const { course, profile } = spec;
    this.emit(
      {
        id: `${spec.sessionId}.start`,
        type: 'session.start',
        time: iso(startMs),
        platformId: spec.platformId,
        learnerId: spec.learnerId,
        sessionId: spec.sessionId,
        courseId: course.courseId,
        deviceId: spec.deviceId,
        occupation: course.occupation,
        region: profile.region,
        learnerGroup: profile.learnerGroup,
        ext: { client: spec.client },
      },
      startMs,
    );
  }

  /** Time of the latest session.start or heartbeat (SPEC §4's timing time p). */
  get lastTimeMs(): number {
    return this.lastMs;
  }

  /** Time the next heartbeat will carry. */
  private nextBeatMs(): number {
    return this.lastMs + this.spec.intervalSec * 1000 + this.rng.int(-800, 800);
  }

  beats(n: number, kind: Beat, presence?: 'passed'): this {
    for (let i = 0; i < n; i++) this.beat(kind, presence);
    return this;
  }

  beat(kind: Beat, presence?: 'passed' | 'failed'): this {
    const { spec, rng } = this;
    const t = this.nextBeatMs();
    const dt = (t - this.lastMs) / 1000;
    let beat = kind === 'active' ? (rng.chance(0.7) ? 'watch' : 'read') : kind;
    let focus = true;
    let interactions = 0;
    let playing = false;
    let rate = spec.rate;
    switch (beat) {
      case 'watch':
        playing = true;
        this.position += dt * rate;
        // Pure watching counts as activity only against a previous playing position; a resume needs a click.
        interactions = this.previous === 'watch' && rng.chance(0.5) ? 0 : rng.int(1, 15);
        break;
      case 'read':
        interactions = rng.int(3, 60);
        break;
      case 'away':
        break;
      case 'hidden':
        focus = false;
        break;
      case 'background':
        focus = false;
        playing = true;
        this.position += dt * rate;
        break;
      case 'presence_failed':
        interactions = rng.int(1, 10);
        presence = 'failed';
        break;
      case 'seek':
        playing = true;
        interactions = rng.int(1, 5);
        this.position += dt * rate + rng.int(300, 900);
        beat = 'watch';
        break;
      case 'fast':
        playing = true;
        interactions = rng.int(1, 5);
        rate = FAST_RATE;
        this.position += dt * rate;
        break;
    }
    this.seq += 1;
    this.lastMs = t;
    this.previous = beat;
    this.emit(
      {
        id: `${spec.sessionId}.hb${this.seq}`,
        type: 'heartbeat',
        time: iso(t),
        platformId: spec.platformId,
        learnerId: spec.learnerId,
        sessionId: spec.sessionId,
        courseId: spec.course.courseId,
        seq: this.seq,
        intervalSec: spec.intervalSec,
        focus,
        interactions,
        media: { positionSec: round1(this.position), rate, playing },
        ...(presence ? { presence } : {}),
      },
      t,
    );
    return this;
  }

  /**
   * A quiz submitted between the latest heartbeat and the next one, so it lies inside the session's live
   * span. `secondsPerQuestion` below 3 makes it too fast under the default policy.
   */
  quiz(questions: number, secondsPerQuestion: number, sessionId = this.spec.sessionId): this {
    const { spec, rng } = this;
    const t = this.lastMs + rng.int(2000, spec.intervalSec * 1000 - 3000);
    this.quizzes += 1;
    this.emit(
      quizEvent(
        rng,
        spec,
        sessionId,
        `${spec.sessionId}.quiz${this.quizzes}`,
        t,
        questions,
        secondsPerQuestion,
      ),
      t,
    );
    return this;
  }

  /** Ends the session shortly after its latest heartbeat (within the cap); returns the end time. */
  end(reason: 'completed' | 'exited' | 'timeout' = 'completed'): number {
    if (this.ended) throw new Error(`session ${this.spec.sessionId} already ended`);
    this.ended = true;
    const { spec } = this;
    const t = this.lastMs + this.rng.int(1000, Math.min(spec.intervalSec, 30) * 1000);
    this.emit(
      {
        id: `${spec.sessionId}.end`,
        type: 'session.end',
        time: iso(t),
        platformId: spec.platformId,
        learnerId: spec.learnerId,
        sessionId: spec.sessionId,
        reason,
      },
      t,
    );
    return t;
  }

  /**
   * Re-sends the heartbeat before the latest one under a new id (same seq and time), shortly after the
   * latest one was delivered, as a replaying client or attacker would. The copy is only about one
   * cadence old, so it is stale without also being a late report.
   */
  replayPrevious(): this {
    const original = this.sent.at(-2);
    const latest = this.sent.at(-1);
    if (!original || !latest) throw new Error('replayPrevious needs two heartbeats');
    const copy: HourglassEvent = { ...original.event, id: `${original.event.id}.again` };
    this.timeline.push(copy, original.timeMs, latest.receivedAtMs + this.rng.int(500, 3000));
    return this;
  }

  private emit(event: HourglassEvent, timeMs: number): void {
    // One client delivers its session's events in order: a session.end must not overtake the heartbeat
    // sent just before it, or the heartbeat would arrive after the end and be stale.
    const receivedAtMs = Math.max(this.receipt(timeMs), this.lastReceivedMs + 1);
    this.lastReceivedMs = receivedAtMs;
    this.timeline.push(event, timeMs, receivedAtMs);
    if (event.type === 'heartbeat') this.sent.push({ event, timeMs, receivedAtMs });
  }
}

export function quizEvent(
  rng: Rng,
  spec: Pick<SessionSpec, 'platformId' | 'learnerId' | 'course'>,
  sessionId: string,
  id: string,
  timeMs: number,
  questions: number,
  secondsPerQuestion: number,
): HourglassEvent {
  return {
    id,
    type: 'quiz.submitted',
    time: iso(timeMs),
    platformId: spec.platformId,
    learnerId: spec.learnerId,
    sessionId,
    courseId: spec.course.courseId,
    quizId: `${spec.course.courseId}-unit${rng.int(1, 12)}`,
    questions,
    correct: rng.int(Math.floor(questions / 2), questions),
    durationSec: Math.round(questions * secondsPerQuestion * 10) / 10,
    answersDigest: `sha256:${Math.floor(rng.next() * 2 ** 32)
      .toString(16)
      .padStart(8, '0')}`,
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
