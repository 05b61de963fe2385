import type { AvroCodec, EmailRegistration } from '@smis/contracts';
import type { MessageProducer } from '@smis/messaging';
import { randomUUID } from 'node:crypto';
import sodium from 'sodium-native';
import type { DataSource } from 'typeorm';

/**
 * Registers an e-mail address as enrolment does (sealed to the channel's key, on the
 * registrations topic) and resolves once the channel has stored it, as the `count`-th address.
 */
export async function registerAddress(options: {
  producer: MessageProducer;
  codec: AvroCodec;
  topic: string;
  dataSource: DataSource;
  schema: string;
  /** The e-mail channel's sealing public key (base64). */
  channelPublicKey: string;
  address: string;
  /** The email-domain pseudonym, encrypted, as the registration carries it. */
  recipient: Buffer;
  count?: number;
  /** `waitFor` of @smis/testing (this file is not a spec, so it does not import the test harness). */
  waitFor: (
    check: () => Promise<true | undefined>,
    options: { description: string; timeoutMs: number },
  ) => Promise<unknown>;
}): Promise<void> {
  const { producer, codec, topic, dataSource, schema, address } = options;
  const sealed = Buffer.alloc(Buffer.byteLength(address) + sodium.crypto_box_SEALBYTES);
  sodium.crypto_box_seal(sealed, Buffer.from(address), Buffer.from(options.channelPublicKey, 'base64'));
  const registration: EmailRegistration = {
    registrationId: randomUUID(),
    enrolmentId: randomUUID(),
    action: 'REGISTERED',
    recipient: options.recipient,
    sealedEmailAddress: sealed,
    occurredAt: Date.now(),
  };
  await producer.send(topic, [
    { key: registration.registrationId, value: await codec.encode('EmailRegistration', registration) },
  ]);
  const expected = options.count ?? 1;
  await options.waitFor(
    async () => {
      const [row] = (await dataSource.query(
        `SELECT count(*)::int AS n FROM "${schema}"."email_address"`,
      )) as Array<{
        n: number;
      }>;
      return row.n === expected || undefined;
    },
    { description: 'the address registration', timeoutMs: 30_000 },
  );
}
