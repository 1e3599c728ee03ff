import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SseParser (WHATWG event stream)', () => {
  it('parses messages split at any byte', () => {
    const text = 'event: call.state\ndata: {"a":1}\n\n: keepalive\n\nevent: call.ended\ndata: {"b":2}\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(got, `cut at ${cut}`).toEqual([
        { event: 'call.state', data: '{"a":1}' },
        { event: 'call.ended', data: '{"b":2}' },
      ]);
    }
  });

  it('joins multi-line data, defaults the event name, accepts CRLF and CR line ends', () => {
    const p = new SseParser();
    expect(p.push('data: one\r\ndata: two\r\n\r\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
    expect(p.push('data:x\r\r: next\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('keeps a CR at a chunk end until it knows whether LF follows', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('ignores comments, unknown fields and blocks without data; keeps the last id', () => {
    const p = new SseParser();
    expect(p.push(': hello\n\nretry: 10\nevent: x\n\nid: 7\ndata: y\n\n')).toEqual([{ event: 'message', data: 'y', id: '7' }]);
  });
});
