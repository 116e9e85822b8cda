import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { REPLAY_RECORD_FILE, type ReplayRecord, ReplayRecordSchema } from '../mdrp/report-data.js';
import { CITY_RUN_FILE, type CityRunRecord, CityRunRecordSchema } from '../run-record.js';
import { cityRunToModel } from './from-city.js';
import { replayRecordsToModel } from './from-replay.js';
import type { ReportModel } from './model.js';

const POLICY_FOLDERS = ['ours', 'greedy'] as const;

/** Parses and checks a record file against its schema, naming the first bad field. */
export function readRecord<S extends TSchema>(file: string, schema: S): unknown {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Value.Check(schema, data)) {
    const first = Value.Errors(schema, data)[0];
    throw new Error(
      `${file}: ${first?.instancePath || '(root)'} ${first?.message ?? 'does not match the schema'}`,
    );
  }
  return data;
}

/**
 * The replay records a folder stands for: its own (`<inst>/ours`), its policy subfolders
 * (`<inst>` as `mdrp-all --out` writes it), or its own plus its sibling policy folder, so ours
 * is drawn beside greedy whenever both were replayed.
 */
export function replayRecordFiles(dir: string): string[] {
  const own = path.join(dir, REPLAY_RECORD_FILE);
  const children = POLICY_FOLDERS.map((p) => path.join(dir, p, REPLAY_RECORD_FILE)).filter(existsSync);
  if (!existsSync(own)) return children;
  const name = path.basename(path.resolve(dir));
  const siblings = POLICY_FOLDERS.some((p) => p === name)
    ? POLICY_FOLDERS.filter((p) => p !== name)
        .map((p) => path.join(dir, '..', p, REPLAY_RECORD_FILE))
        .filter(existsSync)
    : [];
  return [own, ...siblings];
}

/** Reads a run folder (a city run or one or more replays) into what the report draws. */
export function loadReportModel(dir: string): ReportModel {
  const city = path.join(dir, CITY_RUN_FILE);
  if (existsSync(city)) return cityRunToModel(readRecord(city, CityRunRecordSchema) as CityRunRecord);
  const files = replayRecordFiles(dir);
  if (files.length === 0) {
    throw new Error(
      `${dir} holds neither ${CITY_RUN_FILE} (a city run) nor ${REPLAY_RECORD_FILE} (a replay: ` +
        `npm run sim -- mdrp <instance> --out ${dir})`,
    );
  }
  const records = files.map((f) => readRecord(f, ReplayRecordSchema) as ReplayRecord);
  const instances = new Set(records.map((r) => r.instance));
  if (instances.size > 1)
    throw new Error(`${dir}: replays of different instances: ${[...instances].join(', ')}`);
  return replayRecordsToModel(records);
}
