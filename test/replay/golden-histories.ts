import type { History } from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { paths } from '../../sandbox/project-paths';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

// The SDK's historyToJSON / historyFromJSON (@temporalio/common/lib/proto-utils) write and read
// this same format, but throw "type must be a Type" when npm installs several copies of
// protobufjs 8 (it does here: @grpc/proto-loader puts protobufjs 7 at the top level, and each
// @temporalio package gets its own copy of 8), because protojson checks `instanceof Type`
// against its own copy. So use the protojson of the copy @temporalio/proto's types come from.
const protojson = createRequire(require.resolve('@temporalio/proto'))(
  'protobufjs/ext/protojson',
) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

/** A history as Temporal's JSON history files have it (proto3 JSON, 2-space indent, final newline). */
export function historyToJson(history: History): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return `${JSON.stringify(protojson.toJson(historyType, message), null, 2)}\n`;
}

/** Reads a JSON history file's content back into the History the replayer takes. */
export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new TypeError('not a Temporal history: no events');
  return history;
}

/**
 * Golden histories: real histories of keywarden's workflows, recorded on Temporal's time-skipping
 * test server at the points where they wait for days or weeks (see record-histories.ts). Every
 * worker deploy must still replay them.
 */
export const HISTORIES_DIR = path.join(paths.root, 'test', 'fixtures', 'histories');
/** Lists every history file with its workflow type and ID; the other files are the histories. */
export const INDEX_FILE = 'index.json';

export interface GoldenEntry {
  /** File name in HISTORIES_DIR, `<name>.json` or `<generation>/<name>.json`. */
  file: string;
  workflowType: string;
  /** Replay needs it: workflows derive child workflow IDs from their own. */
  workflowId: string;
  /** Where the workflow stood when its history was fetched. */
  waitingPoint: string;
}

export interface GoldenIndex {
  histories: GoldenEntry[];
}

export interface GoldenHistory extends GoldenEntry {
  /** As stored: the JSON form of Temporal history files. */
  json: unknown;
  history: History;
  events: number;
  bytes: number;
}

export function readIndex(dir = HISTORIES_DIR): GoldenIndex {
  return JSON.parse(readFileSync(path.join(dir, INDEX_FILE), 'utf8')) as GoldenIndex;
}

/**
 * Where `npm run record-histories` writes. The histories in the folder itself were recorded by the
 * first workflow code; each later generation has its own folder, and none is ever recorded again,
 * since workflows that started on that code may still be running.
 */
export const CURRENT_GENERATION = 'v8';

/** Every history file (the index aside), in the folder and its generation folders, listed or not. */
export function historyFiles(dir = HISTORIES_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.isDirectory()) {
        return readdirSync(path.join(dir, entry.name))
          .filter((name) => name.endsWith('.json'))
          .map((name) => `${entry.name}/${name}`);
      }
      return entry.name.endsWith('.json') && entry.name !== INDEX_FILE ? [entry.name] : [];
    })
    .sort();
}

/** The workflow type a history itself records (its WorkflowExecutionStarted event). */
export function startedWorkflowType(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

export function loadHistory(entry: GoldenEntry, dir = HISTORIES_DIR): GoldenHistory {
  const text = readFileSync(path.join(dir, entry.file), 'utf8');
  const json = JSON.parse(text) as unknown;
  const history = historyFromJson(json);
  return { ...entry, json, history, events: history.events?.length ?? 0, bytes: Buffer.byteLength(text) };
}
