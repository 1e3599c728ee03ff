import { z } from 'zod';
import { CallState } from '../wire/bridge.js';
import { TurnMetrics } from './calls.js';
import { Timestamp } from './common.js';

/**
 * Models for what the Platform dashboard adds to the REST API: the one-time login link exchange,
 * live event streams (Server-Sent Events) and analytics.
 */

/** `POST /v1/auth/login-link`: exchange a one-use `ll_...` login token printed by `unpod dev`. */
export const LoginLinkExchange = z.strictObject({
  token: z.string().min(1).max(200),
});
export type LoginLinkExchange = z.infer<typeof LoginLinkExchange>;

/** The session credential a login link buys: an API key scoped to the link's space. */
export const LoginSession = z.object({
  api_key: z.string(),
  key_id: z.string(),
  space_id: z.string(),
  space_name: z.string(),
});
export type LoginSession = z.infer<typeof LoginSession>;

/** `GET /v1/me`: who the presented key belongs to. */
export const Me = z.object({
  space_id: z.string(),
  space_name: z.string(),
  key_id: z.string(),
});
export type Me = z.infer<typeof Me>;

/**
 * One live event, as sent in an SSE `data:` line (the SSE `event:` field repeats `type`).
 * Call-scoped events carry `call_id`; `seq` orders the events of one call.
 */
export const LiveEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call.started'), call_id: z.string(), at: Timestamp, agent_id: z.string(), transport: z.string() }),
  z.object({ type: z.literal('call.ended'), call_id: z.string(), at: Timestamp, reason: z.string() }),
  z.object({ type: z.literal('call.state'), call_id: z.string(), at: Timestamp, state: CallState }),
  z.object({ type: z.literal('transcript.partial'), call_id: z.string(), at: Timestamp, text: z.string() }),
  z.object({
    type: z.literal('transcript.final'),
    call_id: z.string(),
    at: Timestamp,
    role: z.enum(['user', 'agent']),
    text: z.string(),
    interrupted: z.boolean(),
  }),
  z.object({ type: z.literal('agent.delta'), call_id: z.string(), at: Timestamp, text: z.string() }),
  z.object({ type: z.literal('call.metrics'), call_id: z.string(), at: Timestamp, metrics: TurnMetrics }),
  z.object({ type: z.literal('call.event'), call_id: z.string(), at: Timestamp, name: z.string(), data: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('worker.changed'), at: Timestamp, worker_id: z.string(), agent_id: z.string(), change: z.enum(['registered', 'removed']) }),
]);
export type LiveEvent = z.infer<typeof LiveEvent>;
export type LiveEventType = LiveEvent['type'];

/**
 * `GET /v1/analytics?from=&to=`: ISO dates (YYYY-MM-DD, UTC), inclusive, at most 366 days. `to`
 * defaults to today, `from` to 29 days before `to`.
 */
export const AnalyticsQuery = z
  .strictObject({
    from: z.iso.date('from must be a date such as 2026-01-31').optional(),
    to: z.iso.date('to must be a date such as 2026-01-31').optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from === undefined || q.to === undefined) return;
    const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
    if (days < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from' });
    else if (days > 365) ctx.addIssue({ code: 'custom', path: ['to'], message: 'the range must not exceed 366 days' });
  });
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

/** Percentiles of one latency series; null when no sample. */
export const LatencySummary = z.object({ p50_ms: z.number().nullable(), p95_ms: z.number().nullable(), samples: z.number().int() });
export type LatencySummary = z.infer<typeof LatencySummary>;

/** One UTC day of the analytics range (every day appears, empty ones with zeros). */
export const AnalyticsDay = z.object({
  date: z.string(),
  calls: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  total_duration_s: z.number(),
  avg_duration_s: z.number().nullable(),
  latency: LatencySummary,
});
export type AnalyticsDay = z.infer<typeof AnalyticsDay>;

export const Analytics = z.object({
  from: z.string(),
  to: z.string(),
  totals: z.object({
    calls: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    active: z.number().int(),
    total_duration_s: z.number(),
    latency: LatencySummary,
  }),
  /** Calls per end reason over the range. */
  outcomes: z.record(z.string(), z.number().int()),
  days: z.array(AnalyticsDay),
});
export type Analytics = z.infer<typeof Analytics>;

/** `POST /v1/voice-profiles/{id}/sample`: text to speak (default: the profile's greeting or a stock line). */
export const VoiceSampleRequest = z.strictObject({
  text: z.string().trim().min(1).max(300).optional(),
});
export type VoiceSampleRequest = z.infer<typeof VoiceSampleRequest>;
