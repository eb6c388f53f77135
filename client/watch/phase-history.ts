import { defaultPayloadConverter, tsToDate } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { KeywardenPhase } from '../../domain/search-attributes';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * When the run entered `phase`: the time of the last event that set KeywardenPhase to it. The
 * workflows record a phase only in that search attribute, so its upserts are the phase's history.
 * Undefined when this run never set it (e.g. it was entered before a continue-as-new).
 */
export function phaseEnteredAt(events: readonly HistoryEvent[], phase: string): Date | undefined {
  let entered: Date | undefined;
  for (const event of events) {
    const payload =
      event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[
        KeywardenPhase.name
      ];
    if (payload === undefined || payload === null || !event.eventTime) continue;
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (values.includes(phase)) entered = tsToDate(event.eventTime);
  }
  return entered;
}
