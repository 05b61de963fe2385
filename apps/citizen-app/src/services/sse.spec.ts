import { describe, expect, it } from 'vitest';
import { readSse, SseParser } from './sse';

describe('SseParser', () => {
  it('parses events split across chunks, with CRLF, comments and multi-line data', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\r\nevent: ready\r\ndata: {"deviceId"')).toEqual([]);
    expect(parser.push(':"d1"}\r\n\r\nid: m-1\nevent: message\ndata: a\ndata: b\n\n')).toEqual([
      { type: 'ready', id: undefined, data: '{"deviceId":"d1"}' },
      { type: 'message', id: 'm-1', data: 'a\nb' },
    ]);
  });
  it('defaults the type to message and skips events without data', () => {
    const parser = new SseParser();
    expect(parser.push('event: ping\n\ndata: x\n\n')).toEqual([
      { type: 'message', id: undefined, data: 'x' },
    ]);
  });
  it('reads a byte stream', async () => {
    const bytes = new TextEncoder().encode('event: message\ndata: {"messageId":"m"}\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 7));
        c.enqueue(bytes.slice(7));
        c.close();
      },
    });
    const events = [];
    for await (const e of readSse(stream)) events.push(e);
    expect(events).toEqual([{ type: 'message', id: undefined, data: '{"messageId":"m"}' }]);
  });
});
