/**
 * Names of the topics a consumer derives from each source topic: `<topic>.retry.<n>` holds
 * records waiting for attempt n+1, `<topic>.dlq` the ones given up on.
 */
export function retryTopicName(topic: string, level: number): string {
  return `${topic}.retry.${level}`;
}

export function deadLetterTopicName(topic: string): string {
  return `${topic}.dlq`;
}

/** What a subscribed topic is to the consumer. */
export interface TopicRole {
  sourceTopic: string;
  /** 0 for the source topic itself, n for `<topic>.retry.<n>`. */
  retryLevel: number;
}

/** Every topic a consumer of `sources` subscribes to, with its role. */
export function subscribedTopics(sources: readonly string[], retryLevels: number): Map<string, TopicRole> {
  const roles = new Map<string, TopicRole>();
  for (const sourceTopic of sources) {
    roles.set(sourceTopic, { sourceTopic, retryLevel: 0 });
    for (let level = 1; level <= retryLevels; level++)
      roles.set(retryTopicName(sourceTopic, level), { sourceTopic, retryLevel: level });
  }
  return roles;
}
