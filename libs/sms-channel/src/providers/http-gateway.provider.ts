import type { HttpProviderConfig } from '../config';
import {
  ProviderOutcomeUnknownError,
  ProviderRejectedError,
  ProviderUnavailableError,
  type DeliveryReport,
  type LookupResult,
  type SmsProvider,
  type SmsSubmission,
  type SubmitResult,
} from './sms-provider';

/** The JSON a gateway posts to `POST /v1/sms/delivery-reports/<provider>`. */
export interface HttpDeliveryReportBody {
  messageId?: unknown;
  clientReference?: unknown;
  status?: unknown;
  errorCode?: unknown;
  doneAt?: unknown;
}

/** Normalizes a gateway's report; undefined when it is not one. */
export function parseHttpDeliveryReport(
  providerId: string,
  body: HttpDeliveryReportBody,
): DeliveryReport | undefined {
  if (typeof body?.messageId !== 'string' || !body.messageId || typeof body.status !== 'string')
    return undefined;
  const status = body.status.toUpperCase();
  const errorCode =
    typeof body.errorCode === 'string' && /^[A-Za-z0-9_-]{1,16}$/.test(body.errorCode)
      ? body.errorCode
      : undefined;
  const doneAt = typeof body.doneAt === 'string' ? Date.parse(body.doneAt) : undefined;
  const base = {
    providerId,
    providerMessageId: body.messageId,
    clientReference: typeof body.clientReference === 'string' ? body.clientReference : undefined,
    doneAt: doneAt !== undefined && Number.isFinite(doneAt) ? doneAt : undefined,
  };
  if (status === 'DELIVERED') return { ...base, outcome: 'DELIVERED' };
  if (!/^[A-Z_]{1,32}$/.test(status)) return undefined;
  const reason = `sms.operator.${status.toLowerCase().replace(/_/g, '-')}${errorCode ? `.err-${errorCode}` : ''}`;
  return { ...base, outcome: 'FAILED', reason };
}

/**
 * An HTTP SMS gateway: JSON submit with HTTP Basic auth, lookups by client reference, delivery
 * reports by callback (handled by the channel's controller, which calls `onReport`).
 */
export class HttpGatewayProvider implements SmsProvider {
  readonly kind = 'http';
  private readonly authorization: string;

  constructor(
    readonly id: string,
    private readonly config: HttpProviderConfig,
    private readonly deliveryReportUrl: string | undefined,
  ) {
    this.authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  }

  async start(): Promise<void> {
    // Stateless: reports arrive through the HTTP controller.
  }

  async stop(): Promise<void> {
    // Nothing held open.
  }

  private async call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.config.baseUrl), {
        ...init,
        headers: { authorization: this.authorization, 'content-type': 'application/json', ...init.headers },
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const code = e.cause?.code ?? (e.name === 'TimeoutError' ? 'timeout' : e.name);
      // Refused or unresolvable: the request never reached the gateway, so it took nothing.
      const neverReached = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code);
      if (init.method !== 'POST' || neverReached) throw new ProviderUnavailableError(this.id, code);
      throw new ProviderOutcomeUnknownError(this.id, code);
    }
  }

  async submit(sms: SmsSubmission): Promise<SubmitResult> {
    const response = await this.call('v1/sms', {
      method: 'POST',
      body: JSON.stringify({
        from: sms.from,
        to: sms.to,
        text: sms.text,
        encoding: sms.encoding,
        clientReference: sms.clientReference,
        ...(this.deliveryReportUrl ? { deliveryReportUrl: this.deliveryReportUrl } : {}),
      }),
    });
    const body = (await response.json().catch(() => ({}))) as { messageId?: unknown; error?: unknown };
    if (response.ok && typeof body.messageId === 'string') return { providerMessageId: body.messageId };
    // Already taken under this reference (a retry after a lost answer): the same message.
    if (response.status === 409 && typeof body.messageId === 'string')
      return { providerMessageId: body.messageId };
    const code =
      typeof body.error === 'string' && /^[a-z0-9-]{1,40}$/.test(body.error)
        ? body.error
        : `http-${response.status}`;
    if (
      response.status === 401 ||
      response.status === 403 ||
      response.status === 429 ||
      response.status >= 500
    )
      throw new ProviderUnavailableError(this.id, code);
    if (response.status >= 400) throw new ProviderRejectedError(this.id, `sms.provider-rejected.${code}`);
    throw new ProviderOutcomeUnknownError(this.id, `unexpected answer ${response.status}`);
  }

  async lookup(clientReference: string): Promise<LookupResult> {
    const response = await this.call(`v1/sms?clientReference=${encodeURIComponent(clientReference)}`, {
      method: 'GET',
    });
    if (response.status === 404) return { found: false };
    const body = (await response.json().catch(() => ({}))) as { messageId?: unknown };
    if (response.ok && typeof body.messageId === 'string')
      return { found: true, providerMessageId: body.messageId };
    throw new ProviderUnavailableError(this.id, `lookup answered ${response.status}`);
  }
}
