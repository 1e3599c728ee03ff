/**
 * DTMF digits and the RFC 4733 telephone-event payload (section 2.3) with its DTMF event codes
 * (section 3.2).
 *
 * @packageDocumentation
 */

/** A DTMF key. */
export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** Keys in RFC 4733 event-code order: index = event code (0-9, * = 10, # = 11, A-D = 12-15). */
export const DTMF_DIGITS: readonly DtmfDigit[] = [
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/** RFC 4733 event code of a DTMF key. */
export function dtmfEventCode(digit: DtmfDigit): number {
  return DTMF_DIGITS.indexOf(digit);
}

/** DTMF key of an RFC 4733 event code, or `undefined` for codes outside 0-15. */
export function dtmfDigitOf(event: number): DtmfDigit | undefined {
  return DTMF_DIGITS[event];
}

/** Whether a string is a DTMF key. */
export function isDtmfDigit(value: string): value is DtmfDigit {
  return (DTMF_DIGITS as readonly string[]).includes(value);
}

/** One named-event report (RFC 4733 section 2.3, figure 1). */
export interface TelephoneEvent {
  /** Event code 0-255 (section 2.3.1). */
  event: number;
  /** E bit: this report carries the end of the event (section 2.3.2). */
  end: boolean;
  /** Power level as a positive number: 10 means -10 dBm0; 0..63 (section 2.3.4). */
  volume: number;
  /** Duration so far in RTP timestamp units, 0..65535 (section 2.3.5). */
  duration: number;
}

/** Size of one event report in bytes. */
export const TELEPHONE_EVENT_BYTES = 4;

/**
 * Encodes an event report. The R bit is written as zero (section 2.3.3: "The sender MUST set it
 * to zero").
 *
 * @throws RangeError when a field is out of range.
 */
export function encodeTelephoneEvent(report: TelephoneEvent): Uint8Array {
  const { event, volume, duration } = report;
  if (!Number.isInteger(event) || event < 0 || event > 255) throw new RangeError(`event ${event} is not 0..255`);
  if (!Number.isInteger(volume) || volume < 0 || volume > 63) throw new RangeError(`volume ${volume} is not 0..63`);
  if (!Number.isInteger(duration) || duration < 0 || duration > 0xffff) {
    throw new RangeError(`duration ${duration} is not 0..65535`);
  }
  return Uint8Array.of(event, (report.end ? 0x80 : 0) | volume, duration >> 8, duration & 0xff);
}

/**
 * Decodes the first event report of a telephone-event payload; the R bit is ignored (section
 * 2.3.3: "the receiver MUST ignore it").
 *
 * @returns `undefined` for a payload shorter than 4 bytes.
 */
export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < TELEPHONE_EVENT_BYTES) return undefined;
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}
