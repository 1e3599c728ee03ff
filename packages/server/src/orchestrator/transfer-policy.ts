import { DEFAULT_TRANSFER_REFUSAL, E164_PATTERN, type Pipe } from '@unpod/protocol';

/**
 * Transfer destination policy (spec 4.4), enforced by the server because the target is chosen
 * by an LLM and can be prompt-injected; nothing here trusts the runner.
 *
 * - `number`: always E.164 shape-checked. The allowlist applies only when the pipe sets
 *   `transfer_allowed_numbers` and/or `transfer_allowed_prefixes`: both null = unrestricted;
 *   configured but empty = deny all; otherwise an exact member of the numbers list or a match of
 *   one of the prefixes (union).
 * - `human` / `agent`: bypass the allowlist (queues and agent ids are resolved server-side).
 */
export interface TransferPolicy {
  allowedNumbers: readonly string[] | null;
  allowedPrefixes: readonly string[] | null;
  refusalPhrase: string;
}

export type TransferDecision =
  | { allowed: true }
  | { allowed: false; reason: 'invalid_number' | 'not_in_allowlist' | 'empty_target' };

export function transferPolicyOf(pipe: Pipe | undefined): TransferPolicy {
  return {
    allowedNumbers: pipe?.transfer_allowed_numbers ?? null,
    allowedPrefixes: pipe?.transfer_allowed_prefixes ?? null,
    refusalPhrase: pipe?.transfer_refusal_phrase || DEFAULT_TRANSFER_REFUSAL,
  };
}

export function checkTransfer(policy: TransferPolicy, transferType: 'number' | 'agent' | 'human', target: string): TransferDecision {
  if (transferType !== 'number') return target.trim() === '' ? { allowed: false, reason: 'empty_target' } : { allowed: true };
  if (!E164_PATTERN.test(target)) return { allowed: false, reason: 'invalid_number' };
  const { allowedNumbers, allowedPrefixes } = policy;
  if (allowedNumbers === null && allowedPrefixes === null) return { allowed: true };
  const listed = allowedNumbers?.includes(target) ?? false;
  const prefixed = allowedPrefixes?.some((p) => target.startsWith(p)) ?? false;
  return listed || prefixed ? { allowed: true } : { allowed: false, reason: 'not_in_allowlist' };
}
