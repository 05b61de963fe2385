import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SmsChannelConfig, SmsProviderConfig } from '../config';
import { ProviderSelector } from '../failover/provider-selector';
import { SmsChannelMetrics } from '../metrics';
import { HttpGatewayProvider } from '../providers/http-gateway.provider';
import type { DeliveryReport, SmsProvider } from '../providers/sms-provider';
import { SmppProvider } from '../providers/smpp/smpp.provider';
import { SMS_CONFIG } from '../tokens';

/** Where a provider's delivery-report callbacks arrive (HTTP gateways). */
export function deliveryReportPath(providerId: string): string {
  return `/v1/sms/delivery-reports/${providerId}`;
}

/** The configured providers, their failover weights, and their lifecycles. */
@Injectable()
export class ProviderPool {
  private readonly logger = new Logger('SmsChannel');
  readonly providers = new Map<string, SmsProvider>();
  readonly settings = new Map<string, SmsProviderConfig>();
  readonly selector: ProviderSelector;
  private recoverTimer?: NodeJS.Timeout;

  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    metrics: SmsChannelMetrics,
  ) {
    for (const p of config.providers) {
      this.settings.set(p.id, p);
      const callback = config.publicBaseUrl
        ? `${config.publicBaseUrl}${deliveryReportPath(p.id)}`
        : undefined;
      this.providers.set(
        p.id,
        p.kind === 'http'
          ? new HttpGatewayProvider(p.id, p.http as NonNullable<SmsProviderConfig['http']>, callback)
          : new SmppProvider(p.id, p.smpp as NonNullable<SmsProviderConfig['smpp']>),
      );
    }
    this.selector = new ProviderSelector(config.providers, config.failover);
    this.selector.onChange((weights) => {
      for (const w of weights) metrics.providerWeight.set({ provider: w.id }, w.live);
    });
  }

  get(id: string): SmsProvider | undefined {
    return this.providers.get(id);
  }

  price(id: string): number {
    return this.settings.get(id)?.pricePerSegment ?? 0;
  }

  async start(onReport: (report: DeliveryReport) => Promise<void>): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.start(onReport)));
    this.recoverTimer = setInterval(() => this.selector.recover(), this.config.failover.recoverIntervalMs);
    this.recoverTimer.unref();
    this.logger.log(
      `SMS providers: ${[...this.providers.values()].map((p) => `${p.id} (${p.kind})`).join(', ')}`,
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.recoverTimer);
    await Promise.all([...this.providers.values()].map((p) => p.stop().catch(() => undefined)));
  }
}
