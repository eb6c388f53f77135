import { defineQuery } from '@temporalio/workflow';
import type { MonitorStatus } from '../domain/monitor-input';

/** The drift monitor's counters, its latest findings (newest first) and the queue it reads. */
export const monitorStatusQuery = defineQuery<MonitorStatus>('status');
