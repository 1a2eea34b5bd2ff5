import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness';

describe('GET /v1/admin/pipeline', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('answers the pipeline status as given', async () => {
    const stages = [{ name: 'detector', lag: 3 }];
    h = await createHarness({ pipelineStatus: () => async () => ({ caughtUp: false, stages }) });
    const res = await h.get('/v1/admin/pipeline', 'admin');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ caughtUp: false, stages });
  });

  it('503 when the status cannot be determined (never a guessed caughtUp)', async () => {
    h = await createHarness({
      pipelineStatus: () => async () => {
        throw new Error('broker down');
      },
    });
    const res = await h.get('/v1/admin/pipeline', 'admin');
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('unavailable');
  });

  it('rejects query parameters it does not know', async () => {
    h = await createHarness();
    const res = await h.get('/v1/admin/pipeline?verbose=1', 'admin');
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('unknown query parameter "verbose"');
  });
});
