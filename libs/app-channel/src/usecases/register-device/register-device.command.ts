import {
  fail,
  base64Key,
  optionalText,
  pushTarget,
  LOCALE,
  APP_VERSION,
  type PushTarget,
} from '../validation';
import type { FieldProblem } from '../../errors';

export interface RegisterDeviceInput {
  credential: string;
  encryptionPublicKey: string;
  signingPublicKey: string;
  push?: { provider: string; token?: string; subscription?: unknown } | null;
  notificationsEnabled?: boolean;
  locale?: string;
  appVersion?: string;
}

/** Register (or re-register) a device under the citizen's pseudonyms, proven by an enrolment credential. */
export class RegisterDeviceCommand {
  private constructor(
    readonly deviceId: string,
    readonly credential: string,
    readonly encryptionPublicKey: string,
    readonly signingPublicKey: string,
    readonly push: PushTarget | null,
    readonly notificationsEnabled: boolean,
    readonly locale: string | null,
    readonly appVersion: string | null,
  ) {}

  static create(
    deviceId: string,
    input: RegisterDeviceInput,
    allowInsecureWebPush: boolean,
  ): RegisterDeviceCommand {
    const problems: FieldProblem[] = [];
    const body = (input ?? {}) as Partial<RegisterDeviceInput>;
    if (typeof body.credential !== 'string' || body.credential.length < 10 || body.credential.length > 16_384)
      problems.push({ field: 'credential', message: 'must be the enrolment credential (JWT)' });
    const encryptionPublicKey = base64Key(body.encryptionPublicKey, 'encryptionPublicKey', problems);
    const signingPublicKey = base64Key(body.signingPublicKey, 'signingPublicKey', problems);
    const push = pushTarget(body.push, problems, allowInsecureWebPush);
    if (body.notificationsEnabled !== undefined && typeof body.notificationsEnabled !== 'boolean')
      problems.push({ field: 'notificationsEnabled', message: 'must be a boolean' });
    const locale = optionalText(body.locale, 'locale', problems, LOCALE);
    const appVersion = optionalText(body.appVersion, 'appVersion', problems, APP_VERSION);
    fail(problems);
    return new RegisterDeviceCommand(
      deviceId,
      body.credential as string,
      encryptionPublicKey,
      signingPublicKey,
      push,
      body.notificationsEnabled ?? false,
      locale,
      appVersion,
    );
  }
}
