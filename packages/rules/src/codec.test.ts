import { describe, expect, it } from 'vitest';
import { deserializeState, serializeState } from './codec';
import { StateFormatError } from './errors';
import { emptyLearnerState, patchSession } from './state';
import { end, hb, ms, policies, quiz, run, start } from './testing/fixtures';

function stateAfter(events: Parameters<typeof run>[0]) {
  const s = run(events, policies({ idleTimeoutSec: 10 })).states.get('L1');
  if (s === undefined) throw new Error('no state');
  return s;
}

describe('Serialized learner state', () => {
  it('round-trips an empty state', () => {
    expect(deserializeState(serializeState(emptyLearnerState('L1')))).toEqual(emptyLearnerState('L1'));
  });

  it('round-trips sessions, flags with evidence, −∞ activity, media positions, ended sessions and placeholders', () => {
    const state = stateAfter([
      start({ t: '08:00:00', occupation: '6-20-01', learnerGroup: 'graduate' }),
      hb({ t: '08:00:30', seq: 1, media: { positionSec: 12.25, playing: true, rate: 3 } }),
      hb({ t: '08:01:00', seq: 2, presence: 'failed' }),
      hb({ t: '08:01:30', seq: 2, id: 'replay' }),
      start({ t: '08:00:10', session: 'S2', platform: 'p2', device: 'D2' }),
      hb({ t: '08:00:50', seq: 1, session: 'S2', platform: 'p2', r: '08:09:00' }),
      end({ t: '08:02:00', session: 'S2', platform: 'p2' }),
      quiz({ t: '09:00:00', session: 'S3', questions: 10, durationSec: 1 }),
    ]);
    expect(state.sessions.map((s) => s.activityMs)).toContain(null);
    expect(state.sessions.some((s) => !s.begun)).toBe(true);
    const text = serializeState(state);
    expect(deserializeState(text)).toEqual(state);
    expect(serializeState(deserializeState(text))).toBe(text);
  });

  it('writes flags against the session start, also when a session moved under the same flags list', () => {
    const state = stateAfter([
      start({ t: '08:00:00' }),
      hb({ t: '08:00:30', seq: 1, presence: 'failed' }),
      hb({ t: '08:01:00', seq: 2 }),
    ]);
    const read = deserializeState(serializeState(state));
    const s = read.sessions[0]!;
    expect(s.flags.length).toBeGreaterThan(0);
    // Same flags list, other start (as when a placeholder begins): the flag times follow the new start.
    const moved = { ...read, sessions: [patchSession(s, { startMs: s.startMs - 5000 })] };
    expect(deserializeState(serializeState(moved))).toEqual(moved);
    expect(serializeState(read)).toBe(serializeState(state));
  });

  it('writes a state without a floor in format 2, as detectors from before the session cap read it', () => {
    const state = { ...emptyLearnerState('L1'), latestMs: 1_772_352_000_000 };
    expect(serializeState(state)).toBe('2|L1|1772352000000||0|.');
  });

  it('writes a state with a floor in format 3, the floor after latestMs, and reads both', () => {
    const state = { ...emptyLearnerState('L1'), latestMs: 1_772_352_000_000, floorMs: 1_772_351_000_000 };
    const text = serializeState(state);
    expect(text).toBe('3|L1|1772352000000|1772351000000||0|.');
    expect(deserializeState(text)).toEqual(state);
    expect(deserializeState('2|L1|1772352000000||0|.')).toEqual({ ...state, floorMs: null });
  });

  it('refuses a format 3 state whose floor is not an integer', () => {
    expect(() => deserializeState('3|L1|1772352000000|||0|.')).toThrow(StateFormatError);
    expect(() => deserializeState('3|L1|1772352000000|x||0|.')).toThrow(StateFormatError);
  });

  // Found in review: the reader took 16-digit numbers past 2^53, which the writer then wrote as 17
  // digits it refused, and negative counts and amounts, which flowed into flag updates.
  it('refuses numbers past 2^53 and negative counts, amounts and versions', () => {
    const text = serializeState(stateAfter([start({ t: '07:59:59' }), hb({ t: '08:00:30', seq: 1 })]));
    expect(deserializeState(text).sessions).toHaveLength(1);
    const fields = text.split('|');
    const versionAt = fields.length - 4; // …| version | touched | #flags | .
    expect(fields[versionAt]).toBe(String(ms('07:59:59') * 1000));
    const withField = (i: number, v: string) => fields.map((f, k) => (k === i ? v : f)).join('|');
    expect(() => deserializeState(withField(versionAt, '9999999999999999'))).toThrow(StateFormatError);
    expect(() => deserializeState(withField(versionAt, '-1'))).toThrow(StateFormatError);
    expect(deserializeState(withField(versionAt, '9007199254740991')).sessions[0]?.version).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(() => deserializeState(withField(fields.length - 2, '-1'))).toThrow(StateFormatError);
  });

  it('is compact: one active session with 21 remembered ids and a flag with 5 pieces of evidence is under 1 KiB', () => {
    const beats = Array.from({ length: 20 }, (_, i) =>
      hb({ t: new Date(ms('08:00:00') + i * 30_000).toISOString(), seq: i + 1, interactions: i % 3 }),
    );
    const text = serializeState(stateAfter([start({ t: '07:59:59' }), ...beats]));
    expect(text.length).toBeLessThan(1024);
  });

  it('a full dedupe ring costs 2 KiB on top', () => {
    const beats = Array.from({ length: 400 }, (_, i) =>
      hb({ t: new Date(ms('08:00:00') + i * 30_000).toISOString(), seq: i + 1 }),
    );
    const state = stateAfter([start({ t: '07:59:59' }), ...beats]);
    expect(state.seen.length).toBe(2048);
    expect(serializeState(state).length).toBeLessThan(2048 + 400);
  });

  it.each([
    ['not JSON', '{'],
    ['not an array', '{}'],
    ['an unknown format version', '[2,"L1",null,"",[]]'],
    ['a truncated dedupe ring', '[1,"L1",null,"abcdefghabc",[]]'],
    ['a session that is not an array', '[1,"L1",null,"",[7]]'],
    [
      'a flag kind out of range',
      '[1,"L1",0,"",[["p","s",1,0,0,-1,0,0,null,null,0,0,0,0,0,1,0,[[99,0,0,1,0,1,[]]]]]]',
    ],
    [
      'a learner group that does not exist',
      '[1,"L1",0,"",[["p","s",1,0,0,-1,0,0,null,null,0,0,0,0,"boss",1,0,[]]]]',
    ],
  ])('rejects %s with StateFormatError', (_what, text) => {
    expect(() => deserializeState(text)).toThrow(StateFormatError);
  });
});
