import type { Command } from 'commander';
import { withTemporalSession } from '../temporal-connection';
import { scheduleDetailsText, scheduleListText } from '../report/schedule-text';
import {
  createCampaignSchedule,
  deleteCampaignSchedule,
  describeCampaignSchedule,
  listCampaignSchedules,
  pauseCampaignSchedule,
  triggerCampaignSchedule,
  unpauseCampaignSchedule,
} from '../schedule-client';
import { DEFAULT_CATCHUP_WINDOW, parseScheduleCreateOptions } from '../schedule-options';
import { readSpecFile } from '../spec-file';
import { resolveTemporalTarget } from '../temporal-target';

const say = (line: string) => console.log(line);
const printJson = (value: unknown) => say(JSON.stringify(value, null, 2));

interface CreateOptions {
  every?: string;
  cron?: string;
  catchupWindow: string;
  paused?: boolean;
  inventory?: boolean;
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(
      'run campaigns or inventories on a Temporal Schedule: create, list, describe, pause, unpause, trigger, delete',
    );

  schedule
    .command('create')
    .description(
      'schedule the campaign `keywarden rotate <spec-file>` would start; each run is <spec id>-<scheduled time>',
    )
    .argument('<spec-file>', 'the campaign spec (.yaml, .yml or .json); its id names the schedule')
    .option('--every <duration>', 'run at this interval, e.g. 90d (a number followed by ms, s, m, h or d)')
    .option('--cron <expression>', 'run on this cron expression (UTC), e.g. "0 6 * * MON"')
    .option(
      '--catchup-window <duration>',
      'after an outage, still take a run missed by at most this much',
      DEFAULT_CATCHUP_WINDOW,
    )
    .option('--inventory', 'each run is a dry run (inventory and report only: change nothing)')
    .option('--paused', 'create the schedule paused (keywarden schedule unpause starts it)')
    .action(async (specFile: string, opts: CreateOptions) => {
      // Check everything before connecting: a bad spec or timing creates nothing.
      const parsed = parseScheduleCreateOptions({
        every: opts.every,
        cron: opts.cron,
        catchupWindow: opts.catchupWindow,
        paused: opts.paused === true,
        inventory: opts.inventory === true,
      });
      const spec = readSpecFile(specFile);
      const target = resolveTemporalTarget();
      await withTemporalSession(target, async (client) => {
        const created = await createCampaignSchedule(client.client, target, spec, parsed);
        say(`created schedule ${created.scheduleId}`);
        for (const line of scheduleDetailsText(created).slice(1)) say(line);
      });
    });

  schedule
    .command('list')
    .description('the schedules that start keywarden campaigns')
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withTemporalSession(resolveTemporalTarget(), async (client) => {
        const schedules = await listCampaignSchedules(client.client);
        if (opts.json) printJson(schedules);
        else for (const line of scheduleListText(schedules)) say(line);
      });
    });

  schedule
    .command('describe')
    .description('timing, overlap policy, catch-up window, paused state, next runs and recent runs')
    .argument('<schedule-id>', 'the schedule ID (the spec id)')
    .option('--json', 'print it as JSON')
    .action(async (scheduleId: string, opts: { json?: boolean }) => {
      await withTemporalSession(resolveTemporalTarget(), async (client) => {
        const details = await describeCampaignSchedule(client.client, scheduleId);
        if (opts.json) printJson(details);
        else for (const line of scheduleDetailsText(details)) say(line);
      });
    });

  schedule
    .command('pause')
    .description('take no scheduled runs until unpaused (running campaigns go on)')
    .argument('<schedule-id>', 'the schedule ID (the spec id)')
    .option('--note <text>', 'why, shown by describe', 'paused with keywarden schedule pause')
    .action(async (scheduleId: string, opts: { note: string }) => {
      await withTemporalSession(resolveTemporalTarget(), async (client) => {
        await pauseCampaignSchedule(client.client, scheduleId, opts.note);
        say(`paused schedule ${scheduleId}`);
      });
    });

  schedule
    .command('unpause')
    .description('take scheduled runs again')
    .argument('<schedule-id>', 'the schedule ID (the spec id)')
    .option('--note <text>', 'shown by describe', 'unpaused with keywarden schedule unpause')
    .action(async (scheduleId: string, opts: { note: string }) => {
      await withTemporalSession(resolveTemporalTarget(), async (client) => {
        await unpauseCampaignSchedule(client.client, scheduleId, opts.note);
        say(`unpaused schedule ${scheduleId}`);
      });
    });

  schedule
    .command('trigger')
    .description('run the scheduled campaign now, unless one of its campaigns is still running')
    .argument('<schedule-id>', 'the schedule ID (the spec id)')
    .action(async (scheduleId: string) => {
      await withTemporalSession(resolveTemporalTarget(), async (client) => {
        const outcome = await triggerCampaignSchedule(client.client, scheduleId);
        switch (outcome.kind) {
          case 'started':
            say(`started campaign ${outcome.campaignId}`);
            say(`follow it with: keywarden status ${outcome.campaignId}`);
            return;
          case 'skipped':
            say(
              `nothing started: ${outcome.running.join(', ') || 'a campaign of this schedule'} is still running ` +
                '(overlap policy SKIP)',
            );
            return;
          case 'not-seen':
            say(
              `triggered schedule ${scheduleId}; its run does not show yet: keywarden schedule describe ${scheduleId}`,
            );
            return;
        }
      });
    });

  schedule
    .command('delete')
    .description('delete the schedule; campaigns it started keep running')
    .argument('<schedule-id>', 'the schedule ID (the spec id)')
    .action(async (scheduleId: string) => {
      await withTemporalSession(resolveTemporalTarget(), async (client) => {
        await deleteCampaignSchedule(client.client, scheduleId);
        say(`deleted schedule ${scheduleId}`);
      });
    });
}
