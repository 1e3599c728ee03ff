/** The metrics module: named helpers land in the exposition text with the documented names and labels. */
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { httpMetrics } from './http.js';
import { metrics } from './metrics.js';

async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want) && Object.keys(v.labels).length === Object.keys(labels).length);
  return match?.value ?? 0;
}

describe('metrics', () => {
  test('a started call is live until it ends, then counted under its outcome', async () => {
    const live = await value('unpod_calls_live', { transport: 'sip' });
    metrics.callStarted('sip');
    expect(await value('unpod_calls_live', { transport: 'sip' })).toBe(live + 1);
    const ended = await value('unpod_calls_ended_total', { transport: 'sip', outcome: 'user_hangup' });
    metrics.callEnded('sip', 'user_hangup');
    expect(await value('unpod_calls_live', { transport: 'sip' })).toBe(live);
    expect(await value('unpod_calls_ended_total', { transport: 'sip', outcome: 'user_hangup' })).toBe(ended + 1);
  });

  test('runner gauges sum every source at scrape time and forget a removed one', async () => {
    const stopA = metrics.addRunnerSource(() => ({ connected: 2, capacity: 8, inFlight: 3 }));
    const stopB = metrics.addRunnerSource(async () => ({ connected: 1, capacity: 4, inFlight: 0 }));
    const text = (await metrics.scrape()).body;
    expect(text).toMatch(/^unpod_runners_connected 3$/m);
    expect(text).toMatch(/^unpod_runner_capacity 12$/m);
    expect(text).toMatch(/^unpod_runner_jobs_in_flight 3$/m);
    stopA();
    stopB();
    expect((await metrics.scrape()).body).toMatch(/^unpod_runners_connected 0$/m);
  });

  test('RTP, failover and dispatch helpers feed their series', async () => {
    const packets = await value('unpod_rtp_packets_received_total');
    const late = await value('unpod_rtp_late_packets_total');
    metrics.rtpLegFinished({ packets_received: 250, late_packets: 2 });
    expect(await value('unpod_rtp_packets_received_total')).toBe(packets + 250);
    expect(await value('unpod_rtp_late_packets_total')).toBe(late + 2);
    metrics.providerFailover('stt', 'deepgram');
    expect(await value('unpod_provider_failovers_total', { kind: 'stt', from: 'deepgram' })).toBeGreaterThanOrEqual(1);
    metrics.dispatchObserved(0.004, 'ok');
    expect((await metrics.scrape()).body).toMatch(/^unpod_dispatch_duration_seconds_bucket\{le="0\.005",result="ok"\} [1-9]/m);
  });

  test('HTTP durations are labelled by route pattern; unmatched paths share one label', async () => {
    const app = new Hono();
    app.use('*', httpMetrics);
    app.get('/things/:id', (c) => c.json({ id: c.req.param('id') }));
    expect((await app.request('/things/42')).status).toBe(200);
    expect((await app.request('/no/such/path')).status).toBe(404);
    const text = (await metrics.scrape()).body;
    expect(text).toMatch(/^unpod_http_request_duration_seconds_count\{method="GET",route="\/things\/:id",status="200"\} 1$/m);
    expect(text).toMatch(/^unpod_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1$/m);
    expect(text).not.toContain('/things/42');
  });
});
