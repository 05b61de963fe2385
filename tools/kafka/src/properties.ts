export interface NodeLayout {
  id: number;
  /** Client listener port (PLAINTEXT, or SASL_PLAINTEXT in SASL mode). */
  port: number;
  controllerPort: number;
  dataDir: string;
}

export interface ClusterLayout {
  nodes: NodeLayout[];
  /** SASL/SCRAM-SHA-512 with ACLs: the password of the `admin` super user. */
  sasl?: { adminPassword: string };
}

/** server.properties for one KRaft node that is both broker and controller. */
export function serverProperties(layout: ClusterLayout, node: NodeLayout): string {
  const size = layout.nodes.length;
  const voters = layout.nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  const rf = Math.min(3, size);
  const minIsr = size >= 3 ? 2 : 1;
  const clientProtocol = layout.sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const lines: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': voters,
    listeners: `${clientProtocol}://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `${clientProtocol}://127.0.0.1:${node.port}`,
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': clientProtocol,
    'log.dirs': node.dataDir,
    'num.partitions': 3,
    'default.replication.factor': rf,
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': minIsr,
    // Tests and local runs should not wait for a rebalance that will never get more members.
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': 'true',
    'log.retention.hours': 24,
    'log.segment.bytes': 64 * 1024 * 1024,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'delete.topic.enable': 'true',
  };
  if (layout.sasl) {
    Object.assign(lines, {
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${layout.sasl.adminPassword}";`,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found': 'false',
      // Broker-to-controller requests on the loopback-only PLAINTEXT controller listener arrive as ANONYMOUS.
      'super.users': 'User:admin;User:ANONYMOUS',
      // With ACLs, topics are provisioned explicitly (smis admin apply), never created by a stray client.
      'auto.create.topics.enable': 'false',
    });
  }
  return (
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n'
  );
}

/** log4j2: warnings to the node's log file, plus the readiness line "Kafka Server started". */
export function log4jProperties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = FILE',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = WARN',
    'rootLogger.appenderRef.file.ref = FILE',
    'logger.raft.name = kafka.server.KafkaRaftServer',
    'logger.raft.level = INFO',
    '',
  ].join('\n');
}
