import type { Admin } from 'kafkajs';

export interface TopicPartitionOffsets {
  partition: number;
  /** First offset still in the log. */
  low: string;
  /** High watermark: the offset the next record gets. A group's lag is `high − committed`. */
  high: string;
}

/** Watermarks and group clean-up; part of `TopicAdmin`. */
export interface OffsetAdmin {
  /** Low and high watermarks of every partition of `topic`, sorted by partition. */
  fetchTopicOffsets(topic: string): Promise<TopicPartitionOffsets[]>;
  /** Deletes consumer groups that have no members left; unknown groups are ignored. */
  deleteGroups(groupIds: readonly string[]): Promise<void>;
}

type Call = <T>(what: string, operation: (client: Admin) => Promise<T>) => Promise<T>;

/** The broker's answer for a group it does not know: nothing to delete. */
const GROUP_ID_NOT_FOUND = 'GROUP_ID_NOT_FOUND';

export function createOffsetAdmin(call: Call): OffsetAdmin {
  return {
    async fetchTopicOffsets(topic) {
      const answer = await call(`Could not fetch the offsets of ${topic}`, (client) =>
        client.fetchTopicOffsets(topic),
      );
      return answer
        .map((entry) => ({ partition: entry.partition, low: entry.low, high: entry.high }))
        .sort((a, b) => a.partition - b.partition);
    },

    async deleteGroups(groupIds) {
      if (groupIds.length === 0) return;
      await call(`Could not delete the groups ${groupIds.join(', ')}`, (client) =>
        client.deleteGroups([...groupIds]).catch((error: unknown) => {
          // The client rejects the whole call when one group fails; unknown groups are fine.
          const failures = (error as { groups?: Array<{ error?: { type?: string } }> }).groups ?? [];
          const fatal = failures.filter((group) => group.error && group.error.type !== GROUP_ID_NOT_FOUND);
          if (failures.length > 0 && fatal.length === 0) return [];
          throw error;
        }),
      );
    },
  };
}
