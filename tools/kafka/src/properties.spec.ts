import { describe, expect, it } from 'vitest';
import { log4jProperties, serverProperties, type ClusterLayout } from './properties';

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const i = line.indexOf('=');
        return [line.slice(0, i), line.slice(i + 1)];
      }),
  );
}

const node = (id: number) => ({
  id,
  port: 9000 + 2 * id,
  controllerPort: 9001 + 2 * id,
  dataDir: `/d/${id}`,
});

describe('serverProperties', () => {
  it('configures a single KRaft node with internal topics at replication 1', () => {
    const layout: ClusterLayout = { nodes: [node(1)] };
    const p = parse(serverProperties(layout, layout.nodes[0]));
    expect(p['process.roles']).toBe('broker,controller');
    expect(p['controller.quorum.voters']).toBe('1@127.0.0.1:9003');
    expect(p['listeners']).toBe('PLAINTEXT://127.0.0.1:9002,CONTROLLER://127.0.0.1:9003');
    expect(p['offsets.topic.replication.factor']).toBe('1');
    expect(p['transaction.state.log.min.isr']).toBe('1');
    expect(p['group.initial.rebalance.delay.ms']).toBe('0');
    expect(p['authorizer.class.name']).toBeUndefined();
  });

  it('gives three nodes the same voters, replication 3 and min ISR 2', () => {
    const layout: ClusterLayout = { nodes: [node(1), node(2), node(3)] };
    const props = layout.nodes.map((n) => parse(serverProperties(layout, n)));
    expect(new Set(props.map((p) => p['controller.quorum.voters'])).size).toBe(1);
    expect(props[1]['node.id']).toBe('2');
    expect(props[2]['log.dirs']).toBe('/d/3');
    expect(props[0]['default.replication.factor']).toBe('3');
    expect(props[0]['transaction.state.log.min.isr']).toBe('2');
    expect(props[0]['share.coordinator.state.topic.min.isr']).toBe('2');
  });

  it('turns on SCRAM, the StandardAuthorizer and deny-by-default in SASL mode', () => {
    const layout: ClusterLayout = { nodes: [node(1)], sasl: { adminPassword: 'pw' } };
    const p = parse(serverProperties(layout, layout.nodes[0]));
    expect(p['listeners']).toMatch(/^SASL_PLAINTEXT:\/\/127\.0\.0\.1:9002,/);
    expect(p['sasl.enabled.mechanisms']).toBe('SCRAM-SHA-512');
    expect(p['authorizer.class.name']).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(p['allow.everyone.if.no.acl.found']).toBe('false');
    expect(p['super.users']).toBe('User:admin;User:ANONYMOUS');
    expect(p['auto.create.topics.enable']).toBe('false');
    // The controller listener stays on loopback: ANONYMOUS is a super user there.
    expect(p['listeners']).toContain('CONTROLLER://127.0.0.1:');
  });

  it('logs the readiness line at INFO into the node log file', () => {
    const text = log4jProperties('/x/server.log');
    expect(text).toContain('appender.file.fileName = /x/server.log');
    expect(text).toContain('logger.raft.name = kafka.server.KafkaRaftServer');
    expect(text).toContain('logger.raft.level = INFO');
  });
});
