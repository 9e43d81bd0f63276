// Prometheus metrics: one registry per server instance (tests run several in one process).
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

export type MetricSources = {
  queueDepths: () => Promise<Record<string, number>>;
  rulesBacklog?: () => Promise<number>;
  /** Each durable ledger subscription's backlog, in diff ids. */
  subscriptionBacklogs?: () => Promise<Record<string, number>>;
  /** The AI meter's queue in this process: calls answered but not yet written, and given up. */
  aiMetering?: () => { pending: number; dropped: number };
};

export function createMetrics({ queueDepths, rulesBacklog = async () => 0, subscriptionBacklogs = async () => ({}), aiMetering = () => ({ pending: 0, dropped: 0 }) }: MetricSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'atrium_' });
  const httpDuration = new Histogram({
    name: 'atrium_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'atrium_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const diffsRecorded = new Counter({
    name: 'atrium_diffs_recorded_total',
    help: 'Diffs committed to the ledger by this process, by namespace',
    labelNames: ['namespace'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'atrium_job_queue_depth',
    help: 'Jobs waiting per queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [queue, depth] of Object.entries(await queueDepths())) this.set({ queue }, depth);
    },
  });

  new Gauge({
    name: 'atrium_rules_backlog_diffs',
    help: 'Diffs committed but not yet evaluated by the rule evaluator (approximate: ids past its cursor)',
    registers: [registry],
    async collect() {
      this.set(await rulesBacklog());
    },
  });

  new Gauge({
    name: 'atrium_ledger_subscription_backlog_diffs',
    help: 'Diffs committed but not yet delivered to each durable ledger subscription (approximate: ids past its cursor)',
    labelNames: ['subscription'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [subscription, n] of Object.entries(await subscriptionBacklogs())) this.set({ subscription }, n);
    },
  });

  new Gauge({
    name: 'atrium_ai_metering_pending_calls',
    help: 'AI calls answered by this process whose usage row and diff are not yet written (write-behind)',
    registers: [registry],
    collect() {
      this.set(aiMetering().pending);
    },
  });
  new Gauge({
    name: 'atrium_ai_metering_dropped_calls',
    help: 'AI calls this process gave up metering since it started (each logged in full at error level)',
    registers: [registry],
    collect() {
      this.set(aiMetering().dropped);
    },
  });

  function instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      const labels = { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
      httpDuration.observe(labels, reply.elapsedTime / 1000);
      httpRequests.inc(labels);
    });
  }

  return { registry, instrument, diffsRecorded };
}
