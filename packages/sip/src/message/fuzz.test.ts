/**
 * Bounded fuzzing of the parser and framer: random bytes and mutations of valid messages (seeded,
 * so failures reproduce). Every outcome must be a message or a SipParseError, quickly.
 */
import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { parseMessage } from './parser.js';
import { StreamFramer } from './stream-framer.js';

/** mulberry32: small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  'INVITE sip:bob@biloxi.com SIP/2.0\r\nVia: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;rport\r\nMax-Forwards: 70\r\nTo: "Bob" <sip:bob@biloxi.com>\r\nFrom: Alice <sip:alice@atlanta.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@[2001:db8::1]:5060;transport=udp>\r\nRoute: <sip:p1;lr>, <sip:p2;lr>\r\nAuthorization: Digest username="a", realm="r", nonce="n", uri="sip:b", response="00"\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\r\n',
  'SIP/2.0 180 Ringing\r\nv: SIP/2.0/UDP h:5060;branch=z9hG4bKx;received=1.2.3.4;rport=5\r\nt: <sip:a@b>;tag=9\r\nf: sip:c@d;tag=8\r\ni: abc@def\r\nCSeq: 1 INVITE\r\nm: *\r\nl: 0\r\n\r\n',
];
const TOKENS = ['\r\n', ' ', ':', ';', ',', '"', '<', '>', '\\', '=', '@', '[', ']', '%', '\r\n ', 'SIP/2.0', 'Content-Length: 99999\r\n', '\x00', '\xff'];

function mutate(seed: string, rand: () => number): Buffer {
  let text = seed;
  const edits = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * text.length);
    const kind = rand();
    if (kind < 0.35) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 10));
    else if (kind < 0.7) text = text.slice(0, at) + (TOKENS[Math.floor(rand() * TOKENS.length)] as string) + text.slice(at);
    else if (kind < 0.85) text = text.slice(0, at) + text.slice(at).toUpperCase();
    else text = text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + text.slice(at + 1);
  }
  return Buffer.from(text, 'latin1');
}

describe('parser fuzzing', () => {
  it('20,000 random and mutated inputs yield messages or SipParseError only', () => {
    const rand = prng(0x5eed);
    const iterations = 20_000;
    let parsed = 0;
    let rejected = 0;
    const started = performance.now();
    for (let i = 0; i < iterations; i++) {
      let input: Buffer;
      if (i % 4 === 0) {
        input = Buffer.alloc(Math.floor(rand() * 512));
        for (let j = 0; j < input.length; j++) input[j] = Math.floor(rand() * 256);
      } else {
        input = mutate(SEEDS[i % SEEDS.length] as string, rand);
      }
      try {
        parseMessage(input);
        parsed++;
      } catch (error) {
        if (!(error instanceof SipParseError)) throw new Error(`iteration ${i}: ${String(error)} for ${JSON.stringify(input.toString('latin1'))}`);
        rejected++;
      }
      if (i % 10 === 0) {
        const framer = new StreamFramer({ maxMessageBytes: 4096 });
        const cut = Math.floor(rand() * input.length);
        for (const out of [...framer.push(input.subarray(0, cut)), ...framer.push(input.subarray(cut))]) {
          if (out.type === 'invalid' || out.type === 'fatal') expect(out.error).toBeInstanceOf(SipParseError);
        }
      }
    }
    expect(parsed + rejected).toBe(iterations);
    expect(parsed).toBeGreaterThan(100);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
