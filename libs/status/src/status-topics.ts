import { Inject, Injectable } from '@nestjs/common';
import { KafkaClient, type TopicAdmin } from '@smis/messaging';
import type { StatusConfig } from './config';
import { STATUS_CONFIG } from './tokens';

/**
 * Creates the topics the service writes (a sender's status topic on its first event, the webhook
 * dead-letter topic) when `createStatusTopics` is on. An outbox record for a topic that does not
 * exist would hold up every record behind it, so this runs before the record is written.
 */
@Injectable()
export class StatusTopics {
  private readonly ensured = new Set<string>();
  private admin?: TopicAdmin;

  constructor(
    private readonly client: KafkaClient,
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
  ) {}

  async ensure(topics: readonly string[]): Promise<void> {
    if (!this.config.createStatusTopics) return;
    const missing = topics.filter((topic) => !this.ensured.has(topic));
    if (missing.length === 0) return;
    this.admin ??= this.client.admin();
    await this.admin.ensureTopics(missing.map((topic) => ({ topic })));
    for (const topic of missing) this.ensured.add(topic);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }
}
