import { isValidSenderId, type Channel } from '@smis/contracts';
import type { FieldProblem } from '../../errors';
import type { DeviceRow } from '../../store';
import { fail } from '../validation';
import type { PreferencesView } from '../get-preferences/get-preferences.usecase';

const CHANNELS: readonly Channel[] = ['APP', 'SMS', 'EMAIL'];
const CATEGORY = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const REGION = /^[0-9A-Z]{1,10}$/;

export type PreferencesInput = Partial<Omit<PreferencesView, 'updatedAt'>>;

function list<T extends string>(
  value: unknown,
  field: string,
  problems: FieldProblem[],
  valid: (v: string) => boolean,
  max = 200,
): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > max || !value.every((v) => typeof v === 'string' && valid(v))) {
    problems.push({ field, message: `must be a list of at most ${max} valid values` });
    return undefined;
  }
  return [...new Set(value as T[])];
}

/** Replace the citizen's preferences (fields left out keep their value). */
export class UpdatePreferencesCommand {
  private constructor(
    readonly device: DeviceRow,
    readonly changes: PreferencesInput,
  ) {}

  static create(device: DeviceRow, input: unknown): UpdatePreferencesCommand {
    const problems: FieldProblem[] = [];
    const body = (input ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body))
      problems.push({ field: 'body', message: 'must be an object' });
    const changes: PreferencesInput = {
      channelOrder: list<Channel>(
        body['channelOrder'],
        'channelOrder',
        problems,
        (v) => CHANNELS.includes(v as Channel),
        3,
      ),
      mutedSenders: list(body['mutedSenders'], 'mutedSenders', problems, isValidSenderId),
      mutedCategories: list(body['mutedCategories'], 'mutedCategories', problems, (v) => CATEGORY.test(v)),
      alertRegions: list(body['alertRegions'], 'alertRegions', problems, (v) => REGION.test(v)),
    };
    fail(problems);
    return new UpdatePreferencesCommand(
      device,
      Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as PreferencesInput,
    );
  }
}
