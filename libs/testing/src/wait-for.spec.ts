import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { uniqueName } from './names';
import { waitFor, waitForEvent, WaitForTimeoutError } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value of the check', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? `done after ${calls}` : undefined), { intervalMs: 1 });
    expect(value).toBe('done after 3');
  });

  it('times out naming what it waited for and the last error', async () => {
    const error = await waitFor(
      () => {
        throw new Error('not yet');
      },
      { timeoutMs: 30, intervalMs: 5, description: 'the record' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitForTimeoutError);
    expect((error as Error).message).toMatch(/waiting for the record \(last error: not yet\)/);
  });
});

describe('waitForEvent', () => {
  it('resolves with the emitted value', async () => {
    const emitter = new EventEmitter();
    const waiting = waitForEvent<number>(emitter, 'ready', 1000);
    emitter.emit('ready', 42);
    expect(await waiting).toBe(42);
  });

  it('rejects at the timeout and stops listening', async () => {
    const emitter = new EventEmitter();
    await expect(waitForEvent(emitter, 'never', 10)).rejects.toThrow(/event 'never'/);
    expect(emitter.listenerCount('never')).toBe(0);
  });
});

describe('uniqueName', () => {
  it('is unique and keeps the prefix', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('topic')));
    expect(names.size).toBe(100);
    expect([...names].every((n) => n.startsWith('topic-'))).toBe(true);
  });
});
