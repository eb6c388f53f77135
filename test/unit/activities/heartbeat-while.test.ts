import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { heartbeatWhile } from '../../../activities/heartbeat-while';

describe('heartbeatWhile: an activity without steps still shows it is alive', () => {
  test('heartbeats at once and then periodically until the work settles, and returns its result', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const result = await env.run(() => heartbeatWhile(() => delay(550).then(() => 'listed'), 100));
    assert.equal(result, 'listed');
    assert.ok(beats >= 4, `${beats} heartbeats in 550 ms at one per 100 ms`);
    const after = beats;
    await delay(300);
    assert.equal(beats, after, 'no heartbeat once the work is done');
  });

  test('a failure of the work is the failure of the activity, and the heartbeats stop', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await assert.rejects(
      env.run(() => heartbeatWhile(() => delay(150).then(() => Promise.reject(new Error('Throttling'))), 50)),
      /Throttling/,
    );
    const after = beats;
    await delay(200);
    assert.equal(beats, after);
  });
});
