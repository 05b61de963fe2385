import { describe, expect, it } from 'vitest';
import { InvalidCommandError } from '../../errors';
import { webhookUrlProblem } from '../../webhooks/webhook-url';
import { CreateSubscriptionCommand } from './create-subscription.command';

const secure = { allowInsecureUrls: false };

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidCommandError) return error.problems.map((p) => p.field);
    throw error;
  }
  return [];
}

describe('CreateSubscriptionCommand', () => {
  it('defaults to every status, by webhook when a URL is given, on the topic otherwise', () => {
    const hook = CreateSubscriptionCommand.create('tax', { webhookUrl: 'https://tax.example/hook' }, secure);
    expect(hook).toMatchObject({ delivery: 'webhook', webhookUrl: 'https://tax.example/hook' });
    expect(hook.eventTypes).toHaveLength(10);
    expect(hook.eventTypes).not.toContain('UNKNOWN');
    const topic = CreateSubscriptionCommand.create('tax', { eventTypes: ['READ', 'FAILED', 'READ'] }, secure);
    expect(topic).toMatchObject({ delivery: 'topic', webhookUrl: null, eventTypes: ['READ', 'FAILED'] });
  });

  it('names each invalid field', () => {
    expect(problems(() => CreateSubscriptionCommand.create('tax', [], secure))).toEqual(['body']);
    expect(
      problems(() =>
        CreateSubscriptionCommand.create('Tax!', { eventTypes: [], delivery: 'both', extra: 1 }, secure),
      ),
    ).toEqual(['senderId', 'eventTypes', 'webhookUrl', 'extra']);
    expect(
      problems(() =>
        CreateSubscriptionCommand.create(
          'tax',
          { delivery: 'topic', webhookUrl: 'https://a.example' },
          secure,
        ),
      ),
    ).toEqual(['webhookUrl']);
    expect(
      problems(() => CreateSubscriptionCommand.create('tax', { eventTypes: ['UNKNOWN'] }, secure)),
    ).toEqual(['eventTypes']);
  });
});

describe('webhook URLs', () => {
  it('wants https, no credentials, no internal address literals', () => {
    expect(webhookUrlProblem('https://tax.example/hook', false)).toBeUndefined();
    expect(webhookUrlProblem('http://tax.example/hook', false)).toMatch(/https/);
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', true)).toBeUndefined();
    expect(webhookUrlProblem('https://user:pw@tax.example/hook', false)).toMatch(/credentials/);
    for (const internal of [
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://172.20.0.1/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest',
      'https://localhost/x',
      'https://[::1]/x',
      'https://[fd00::1]/x',
    ]) {
      expect(webhookUrlProblem(internal, false), internal).toMatch(/loopback, private or link-local/);
    }
    expect(webhookUrlProblem('https://172.32.0.1/x', false)).toBeUndefined();
    expect(webhookUrlProblem('not a url', false)).toMatch(/absolute URL/);
  });
});
