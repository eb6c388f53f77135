import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectedRotations, keyedCampaignAccounts, simConfigFromEnv } from '../../bench/scale/sim-config';
import { rotationInventory, simAccountIds } from '../../bench/scale/sim-org';

describe('the scale simulation org', () => {
  test('with keyed accounts one in 1, every campaign account holds the rotating users', () => {
    const inventory = rotationInventory(simAccountIds(3), 2, 1);
    assert.deepEqual(
      Object.values(inventory).map((users) => users.length),
      [2, 2, 2],
    );
  });

  test('with keyed accounts one in N, the first and every N-th hold users, the rest none', () => {
    const inventory = rotationInventory(simAccountIds(7), 2, 3);
    assert.deepEqual(
      Object.values(inventory).map((users) => users.length),
      [2, 0, 0, 2, 0, 0, 2],
    );
  });

  test('the expected rotations count the keyed accounts only', () => {
    const config = simConfigFromEnv(
      {
        KEYWARDEN_SCALE_SIM_ACCOUNTS: '10000',
        KEYWARDEN_SCALE_SIM_KEYED_ACCOUNT_EVERY: '10',
        KEYWARDEN_SCALE_SIM_USERS: '2',
      },
      'out.json',
    );
    assert.equal(keyedCampaignAccounts(config), 1000);
    assert.equal(expectedRotations(config), 2000);
    const inventory = rotationInventory(simAccountIds(config.campaignAccounts), 2, config.keyedAccountEvery);
    const users = Object.values(inventory).reduce((sum, u) => sum + u.length, 0);
    assert.equal(users, expectedRotations(config));
  });

  test('a keyed-account setting that is not a whole number of at least 1 is refused, naming the variable', () => {
    assert.throws(
      () => simConfigFromEnv({ KEYWARDEN_SCALE_SIM_KEYED_ACCOUNT_EVERY: '0' }, 'out.json'),
      /KEYWARDEN_SCALE_SIM_KEYED_ACCOUNT_EVERY/,
    );
  });
});
