// Not exported from the package: shared by the constructs that take an AlarmThreshold.
import { type Duration } from 'aws-cdk-lib';
import { type AlarmThreshold } from './bedrock-usage-alarms';

export interface NormalizedThreshold {
  readonly threshold: number;
  readonly period: Duration;
  readonly datapointsToAlarm: number;
  readonly evaluationPeriods: number;
}

/** Checks a threshold the way CloudWatch will, with the error naming `path`. */
export function normalizeAlarmThreshold(value: number | AlarmThreshold, path: string, defaultPeriod: Duration): NormalizedThreshold {
  const spec = typeof value === 'number' ? { threshold: value } : value;
  if (typeof spec.threshold !== 'number' || !Number.isFinite(spec.threshold) || spec.threshold <= 0) {
    throw new Error(`${path}: threshold must be a number > 0, got ${String(spec.threshold)}`);
  }
  const period = spec.period ?? defaultPeriod;
  const seconds = period.toSeconds();
  if (seconds < 60 || seconds % 60 !== 0) {
    throw new Error(`${path}: period must be a whole number of minutes (a multiple of 60 seconds), got ${seconds} seconds`);
  }
  const datapointsToAlarm = spec.datapointsToAlarm ?? 1;
  const evaluationPeriods = spec.evaluationPeriods ?? datapointsToAlarm;
  if (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1) {
    throw new Error(`${path}: datapointsToAlarm must be a whole number >= 1, got ${datapointsToAlarm}`);
  }
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < datapointsToAlarm) {
    throw new Error(
      `${path}: evaluationPeriods must be a whole number >= datapointsToAlarm (${datapointsToAlarm}), got ${evaluationPeriods}`,
    );
  }
  return { threshold: spec.threshold, period, datapointsToAlarm, evaluationPeriods };
}
