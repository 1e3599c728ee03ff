import type { TransferOutcome } from '@unpod/protocol';
import { SipRequestError, type Call, type ReferProgress } from '@unpod/sip';
import type { z } from 'zod';
import type { RtpMediaEvents } from './rtp-media.js';
import type { SipLeg } from './leg.js';

export type TransferResult = { outcome: z.infer<typeof TransferOutcome>; reason: string | null };

/** A second leg placed for a warm transfer (or a cold one the caller's side cannot do by REFER). */
export type TargetDial = (
  target: string,
  events: RtpMediaEvents,
  signal: AbortSignal,
) => Promise<{ ok: true; leg: SipLeg } | { ok: false; failure: 'busy' | 'no_answer' | 'rejected' | 'error'; detail: string }>;

export interface TransferContext {
  /** Refer-To URI for a number (RFC 3515), e.g. `sip:+4420...@carrier`. */
  referUri(e164: string): string;
  dialTarget: TargetDial;
  /** How long to wait for the REFER's final NOTIFY. */
  referTimeoutMs: number;
}

/** Maps the status of a REFER's final NOTIFY sipfrag (RFC 3515 section 2.4.5) or a dial failure onto an outcome. */
export function outcomeOfStatus(status: number): TransferResult['outcome'] {
  if (status >= 200 && status < 300) return 'answered';
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480 || status === 487) return 'no_answer';
  return 'failed';
}

export function outcomeOfDialFailure(failure: 'busy' | 'no_answer' | 'rejected' | 'error'): TransferResult['outcome'] {
  return failure === 'busy' || failure === 'no_answer' ? failure : 'failed';
}

/**
 * Cold transfer by REFER (RFC 3515): the caller's side calls the target itself and reports
 * progress in NOTIFYs carrying a sipfrag status line. `refused` means the far end would not take
 * the REFER at all (405/501/403...), in which case the caller bridges the target instead.
 */
export async function referTransfer(call: Call, referTo: string, timeoutMs: number): Promise<TransferResult | 'refused'> {
  const progress: ReferProgress[] = [];
  let notify: ((p: ReferProgress) => void) | null = null;
  const onProgress = (p: ReferProgress) => {
    progress.push(p);
    notify?.(p);
  };
  call.on('referProgress', onProgress);
  try {
    let response;
    try {
      response = await call.refer(referTo);
    } catch (err) {
      return err instanceof SipRequestError ? 'refused' : { outcome: 'failed', reason: 'refer_failed' };
    }
    if (response.status < 200 || response.status >= 300) return 'refused';
    const final = progress.find((p) => p.final && p.status >= 200) ?? (await waitFinal(call, timeoutMs, (fn) => (notify = fn)));
    if (final === null) return { outcome: 'failed', reason: call.isTerminated ? 'caller_hung_up' : 'no_final_notify' };
    const outcome = outcomeOfStatus(final.status);
    return { outcome, reason: outcome === 'answered' ? null : `${final.status} ${final.reason}`.trim() };
  } finally {
    call.off('referProgress', onProgress);
  }
}

function waitFinal(call: Call, timeoutMs: number, register: (fn: (p: ReferProgress) => void) => void): Promise<ReferProgress | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    timer.unref();
    const done = (value: ReferProgress | null) => {
      clearTimeout(timer);
      call.off('terminated', onEnd);
      resolve(value);
    };
    const onEnd = () => done(null);
    call.on('terminated', onEnd);
    register((p) => {
      if (p.final && p.status >= 200) done(p);
    });
  });
}
