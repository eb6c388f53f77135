import type { CampaignStatus } from '../../../domain/rotation-report';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import type { HistoryFigures } from './history-figures';
import type { LogScan } from './server-log';
import { expectedRotations, keyedCampaignAccounts, type SimConfig } from './sim-config';
import type { MemoryReport } from './sim-worker';
import type { WorkerLogFigures } from './worker-log';

/** Temporal's default warning threshold for a history (events); it fails a workflow at 51,200. */
export const HISTORY_EVENTS_GOAL = 10_240;
export const PEAK_RSS_GOAL_BYTES = 512 * 1024 * 1024;

export interface Figure {
  value: number | string;
  unit: string;
}

export interface Goal {
  name: string;
  limit: string;
  value: string;
  met: boolean;
}

export interface ScaleFigures {
  title: string;
  measuredAt: string;
  settings: Record<string, Figure>;
  figures: Record<string, Figure>;
  goals: Goal[];
  serverLimitWarningSamples: string[];
  workerPayloadWarningSamples: string[];
}

export interface SimulationResults {
  config: SimConfig;
  /** Undefined when the run had no campaign (KEYWARDEN_SCALE_SIM_CAMPAIGN_ACCOUNTS=0). */
  campaign: { wallMs: number; final: CampaignStatus } | undefined;
  offboarding: {
    wallMs: number;
    final: OffboardingStatus;
    expectedUsers: number;
    timeToContainmentMs: number | undefined;
  };
  histories: HistoryFigures;
  pending: { workflowId: string; pendingChildren: number; samples: number };
  memory: MemoryReport | undefined;
  log: LogScan;
  workerLog: WorkerLogFigures;
}

const seconds = (ms: number): Figure => ({ value: Math.round(ms / 100) / 10, unit: 's' });
const count = (value: number, unit: string): Figure => ({ value, unit });
const mib = (bytes: number): Figure => ({ value: Math.round((bytes / 1024 / 1024) * 10) / 10, unit: 'MiB' });

/** The figures of one run, named and with units, and the goals they meet or miss. */
export function buildFigures(r: SimulationResults): ScaleFigures {
  const { config, histories } = r;
  const peakRss = r.memory?.peakRssBytes ?? 0;
  const campaignMs = r.campaign?.wallMs ?? 0;
  const rotated = r.campaign?.final.users.rotated ?? 0;
  const purged = r.offboarding.final.users.filter((u) => u.actions.some((a) => a.action === 'purged')).length;
  return {
    title:
      config.campaignAccounts === config.accounts
        ? `Scale simulation: a rotation campaign and an offboarding over ${config.accounts} accounts`
        : `Scale simulation: a rotation campaign over ${config.campaignAccounts} accounts, an offboarding over ${config.accounts}`,
    measuredAt: new Date().toISOString(),
    settings: {
      accounts: count(config.accounts, 'accounts'),
      campaignAccounts: count(config.campaignAccounts, 'accounts'),
      workerHeapLimit: count(config.workerHeapMb, 'MiB'),
      workerSemiSpace: count(config.workerSemiSpaceMb, 'MiB'),
      workerMallocArenaMax: count(config.workerMallocArenaMax, 'arenas'),
      workerMaxCachedWorkflows: count(config.maxCachedWorkflows, 'workflows'),
      workerMaxWorkflowTasks: {
        value: config.maxConcurrentWorkflowTasks ?? 'keywarden default',
        unit: 'tasks',
      },
      rotatingUsersPerAccount: count(config.usersPerAccount, 'users'),
      campaignAccountsWithKeys: count(keyedCampaignAccounts(config), 'accounts'),
      awsCallLatency: { value: `${config.latency.minMs}-${config.latency.maxMs}`, unit: 'ms per call' },
      maxAccountsInFlight: count(config.accountsInFlight, 'accounts'),
      maxKeysInFlightPerAccount: count(config.keysInFlightPerAccount, 'keys'),
      continueAsNewAfterAccounts: count(config.continueAsNewAfterAccounts, 'accounts'),
      campaignAccountsPerShard: count(config.campaignAccountsPerShard, 'accounts'),
      offboardingShardAboveAccounts: count(config.sharding.aboveAccounts, 'accounts'),
      offboardingAccountsPerShard: count(config.sharding.accountsPerShard, 'accounts'),
    },
    figures: {
      campaignWallTime: seconds(campaignMs),
      campaignUsersRotated: count(rotated, 'users'),
      campaignAccountsFinished: count(r.campaign?.final.accounts.finished ?? 0, 'accounts'),
      offboardingWallTime: seconds(r.offboarding.wallMs),
      offboardingTimeToContainment: seconds(r.offboarding.timeToContainmentMs ?? 0),
      offboardingUsersPurged: count(purged, 'users'),
      offboardingAccountsSearched: count(r.offboarding.final.accountsSearched.length, 'accounts'),
      totalWallTime: seconds(campaignMs + r.offboarding.wallMs),
      workflowRuns: count(histories.workflows, 'runs'),
      largestHistoryEvents: count(histories.mostEvents.events, 'events'),
      largestHistoryEventsWorkflow: { value: histories.mostEvents.type, unit: 'workflow type' },
      largestHistoryBytes: count(histories.mostBytes.bytes, 'bytes'),
      largestHistoryBytesWorkflow: { value: histories.mostBytes.type, unit: 'workflow type' },
      mostPendingChildren: count(r.pending.pendingChildren, 'children'),
      pendingChildrenSamples: count(r.pending.samples, 'describes'),
      workerPeakRss: mib(peakRss),
      continueAsNew: count(histories.continuedAsNew, 'runs'),
      serverLimitWarnings: count(r.log.limitWarnings, 'log lines'),
      workerPayloadWarnings: count(r.workerLog.payloadWarnings, 'log lines'),
      workerWorkflowTasksOver5s: count(r.workerLog.slowWorkflowTasks, 'tasks'),
      workerLongestWorkflowTask: seconds(r.workerLog.longestWorkflowTaskMs),
    },
    goals: [
      {
        name: 'largest history under 10,240 events',
        limit: `< ${HISTORY_EVENTS_GOAL} events`,
        value: `${histories.mostEvents.events} events (${histories.mostEvents.type})`,
        met: histories.mostEvents.events < HISTORY_EVENTS_GOAL,
      },
      {
        name: 'worker peak RSS under 512 MB',
        limit: '< 512 MiB',
        value: `${mib(peakRss).value} MiB`,
        met: peakRss > 0 && peakRss < PEAK_RSS_GOAL_BYTES,
      },
      {
        name: 'no Temporal limit warning in the server log',
        limit: '0 lines',
        value: `${r.log.limitWarnings} lines`,
        met: r.log.limitWarnings === 0,
      },
      {
        name: 'every user rotated and every leaver purged',
        limit: `${expectedRotations(config)} rotated, ${r.offboarding.expectedUsers} purged`,
        value: `${rotated} rotated, ${purged} purged`,
        met: rotated === expectedRotations(config) && purged === r.offboarding.expectedUsers,
      },
    ],
    serverLimitWarningSamples: r.log.samples,
    workerPayloadWarningSamples: r.workerLog.samples,
  };
}
