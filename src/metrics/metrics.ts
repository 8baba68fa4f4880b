/**
 * The Prometheus metrics of dcn listen and dcn watch, fed by the events the listener, the watch
 * and the result cache already emit: nothing here is on their paths, and they know nothing of
 * it. prom-client is loaded only when metrics are made (dcn listen, or dcn watch with a metrics
 * port), so no other command pays for it. Each process has its own registry: an application
 * that mounts the listener keeps its own default one to itself.
 *
 * The metrics are described in the README (Metrics); their names and labels are a contract with
 * whoever scrapes them, so a label value always comes from a small fixed set or from --map.
 */
import type { Server } from 'node:http';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BusState } from '../cache/bus.js';
import type { CacheWarning, SweepReport } from '../cache/result-cache.js';
import type { NotificationEvent } from '../listener/listener.js';
import type { WatchEvent } from '../watch/watch.js';

/** What the metrics read of a cache: at each scrape, and from its events. */
export interface MeteredCache {
  busState(): BusState | undefined;
  stats(): { readonly entries: number; readonly bytes: number; readonly sweptAt: string } | undefined;
  on(event: 'warning', listener: (warning: CacheWarning) => void): unknown;
  on(event: 'sweep', listener: (report: SweepReport) => void): unknown;
}

/** A registry's text, as a scrape receives it. */
export interface MetricsText {
  readonly contentType: string;
  text(): Promise<string>;
}

/** Seconds: a drop answers in well under a millisecond alone, and a bus or a slow disk adds tens. */
const DROP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds: a watch's drop waits for its notification's key lookup, a round trip to the database. */
const WATCH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: a sweep reads every entry's times; a large directory takes seconds. */
const SWEEP_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];
const BUS_STATES: readonly BusState[] = ['connecting', 'up', 'down'];

type Prom = typeof import('prom-client');

async function registry(): Promise<{ prom: Prom; registry: Registry }> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  // the process's own: memory, CPU, event loop lag, open handles (prom-client's defaults)
  prom.collectDefaultMetrics({ register: registry });
  return { prom, registry };
}

/** The cache's metrics: read from its last sweep and its bus at each scrape, and counted from its events. */
function cacheMetrics(prom: Prom, registers: Registry[], cache: MeteredCache): void {
  new prom.Gauge({
    name: 'dcn_bus_state',
    help: 'The link to the cache bus: 1 for the state it is in (connecting, up, down); absent without a bus',
    labelNames: ['state'],
    registers,
    collect() {
      const state = cache.busState();
      this.reset();
      if (state !== undefined) for (const s of BUS_STATES) this.set({ state: s }, s === state ? 1 : 0);
    },
  });
  const swept = () => cache.stats();
  new prom.Gauge({
    name: 'dcn_cache_entries',
    help: 'Entries in the cache directory at the last sweep (0 before the first)',
    registers,
    collect() {
      this.set(swept()?.entries ?? 0);
    },
  });
  new prom.Gauge({
    name: 'dcn_cache_bytes',
    help: 'Bytes of the entries in the cache directory at the last sweep (0 before the first)',
    registers,
    collect() {
      this.set(swept()?.bytes ?? 0);
    },
  });
  new prom.Gauge({
    name: 'dcn_cache_last_sweep_timestamp_seconds',
    help: 'When the last sweep of this process ended, in seconds since the epoch (0 before the first)',
    registers,
    collect() {
      const at = swept()?.sweptAt;
      this.set(at === undefined ? 0 : Date.parse(at) / 1000);
    },
  });
  const sweeps = new prom.Histogram({
    name: 'dcn_cache_sweep_duration_seconds',
    help: 'How long each sweep of the cache directory took',
    buckets: SWEEP_BUCKETS,
    registers,
  });
  const warnings = new prom.Counter({
    name: 'dcn_cache_warnings_total',
    help: 'Warnings of the result cache, by code (counted when reported: a kind is reported at most once a minute, with how many were held back)',
    labelNames: ['code'],
    registers,
  });
  const lost = new prom.Counter({
    name: 'dcn_bus_disconnects_total',
    help: 'Times the cache stopped serving because its bus link was lost',
    registers,
  });
  const back = new prom.Counter({
    name: 'dcn_bus_reconnects_total',
    help: 'Times the cache was back on its bus after losing it',
    registers,
  });
  cache.on('sweep', (r) => sweeps.observe(r.ms / 1000));
  cache.on('warning', (w) => {
    const n = 1 + w.suppressed;
    warnings.inc({ code: w.code }, n);
    if (w.code === 'bus_down') lost.inc(n);
    if (w.code === 'bus_up') back.inc(n);
  });
}

export interface ListenerMetrics extends MetricsText {
  /** Counts an event of the listener (its onEvent). */
  event(e: NotificationEvent): void;
  /**
   * Times each call the server answers 200 (a batch POST is one), from the request to the last byte of the
   * answer (every drop it names done, and published with a bus): what the database waits for.
   */
  timeAnswers(server: Server, path: string): void;
}

/** Why the listener refused or failed a request: a fixed set, for the failures' label. */
function failureCause(e: NotificationEvent): string {
  if (e.action === 'refresh-failed') return 'refresh_failed';
  switch (e.status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'bad_token';
    case 404:
      return e.table !== undefined || e.reason?.startsWith('no cached function') ? 'no_map' : 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'too_large';
    case 500:
      return e.reason?.startsWith('cache error') ? 'cache_error' : 'bus_publish';
    default:
      return `http_${e.status}`;
  }
}

export async function listenerMetrics(cache: MeteredCache): Promise<ListenerMetrics> {
  const { prom, registry: r } = await registry();
  const registers = [r];
  cacheMetrics(prom, registers, cache);
  const received = new prom.Counter({
    name: 'dcn_listener_notifications_total',
    help: 'Notifications that named a mapped table, whatever their outcome',
    registers,
  });
  const drops: Counter = new prom.Counter({
    name: 'dcn_listener_drops_total',
    help: 'Drops by table and outcome (dropped, dropped_all, failed)',
    labelNames: ['table', 'outcome'],
    registers,
  });
  const refreshes = new prom.Counter({
    name: 'dcn_listener_refreshes_total',
    help: 'Results computed again after a drop (--refresh), by table and outcome (ok, failed)',
    labelNames: ['table', 'outcome'],
    registers,
  });
  const failures = new prom.Counter({
    name: 'dcn_listener_failures_total',
    help: 'Requests refused or failed, by cause',
    labelNames: ['cause'],
    registers,
  });
  const latency: Histogram = new prom.Histogram({
    name: 'dcn_listener_drop_duration_seconds',
    help: "From a call's request to the end of its 200 answer, a batch being one call (its drops done and, with a bus, published)",
    buckets: DROP_BUCKETS,
    registers,
  });
  return {
    contentType: r.contentType,
    text: () => r.metrics(),
    event(e) {
      const table = e.table ?? '';
      if (e.action === 'dropped' || e.action === 'dropped-all') {
        received.inc();
        drops.inc({ table, outcome: e.action === 'dropped' ? 'dropped' : 'dropped_all' });
      } else if (e.action === 'refreshed') refreshes.inc({ table, outcome: 'ok' });
      else {
        if (e.action === 'refresh-failed') refreshes.inc({ table, outcome: 'failed' });
        else if (e.status === 500) {
          received.inc();
          drops.inc({ table, outcome: 'failed' });
        }
        failures.inc({ cause: failureCause(e) });
      }
    },
    timeAnswers(server, path) {
      // first of the server's listeners, so the clock starts before the handler runs
      server.prependListener('request', (req, res) => {
        const url = req.url ?? '';
        if (!url.startsWith(path) || (url.length > path.length && url[path.length] !== '?')) return;
        const start = performance.now();
        res.once('finish', () => {
          if (res.statusCode === 200) latency.observe((performance.now() - start) / 1000);
        });
      });
    },
  };
}

export interface WatchMetrics extends MetricsText {
  /** Counts an event of the watch (its onEvent). */
  event(e: WatchEvent): void;
  /** Whether a subscription is in place now: from its subscribed, lost and stopped events. */
  readonly subscribed: boolean;
}

export async function watchMetrics(cache: MeteredCache): Promise<WatchMetrics> {
  const { prom, registry: r } = await registry();
  const registers = [r];
  cacheMetrics(prom, registers, cache);
  let subscribed = false;
  const up: Gauge = new prom.Gauge({
    name: 'dcn_watch_subscribed',
    help: '1 while a subscription is in place, 0 while connecting again or stopped',
    registers,
  });
  const subscriptions = new prom.Counter({
    name: 'dcn_watch_subscriptions_total',
    help: 'Subscriptions made at start, after a lost connection, or to replace one whose channel had stopped (each drops every result it covers)',
    registers,
  });
  const restarts = new prom.Counter({
    name: 'dcn_watch_channel_restarts_total',
    help: 'Subscriptions replaced because their notification channel had stopped',
    registers,
  });
  const renewals = new prom.Counter({
    name: 'dcn_watch_renewals_total',
    help: 'Subscriptions renewed before their timeout',
    registers,
  });
  const reconnects = new prom.Counter({
    name: 'dcn_watch_reconnects_total',
    help: 'Connections lost and made again',
    registers,
  });
  const drops = new prom.Counter({
    name: 'dcn_watch_drops_total',
    help: 'Drops a change made, by table and outcome (dropped, dropped_all)',
    labelNames: ['table', 'outcome'],
    registers,
  });
  const ignored = new prom.Counter({
    name: 'dcn_watch_ignored_total',
    help: 'Changes to tables the watch does not watch',
    registers,
  });
  const latency = new prom.Histogram({
    name: 'dcn_watch_drop_latency_seconds',
    help: "From a notification's arrival to each drop it made (its key lookup, and the bus, included)",
    buckets: WATCH_BUCKETS,
    registers,
  });
  up.set(0);
  return {
    contentType: r.contentType,
    text: () => r.metrics(),
    get subscribed() {
      return subscribed;
    },
    event(e) {
      switch (e.action) {
        case 'subscribed':
          subscribed = true;
          subscriptions.inc();
          break;
        case 'resubscribed':
          restarts.inc();
          break;
        case 'renewed':
          renewals.inc();
          break;
        case 'lost':
          subscribed = false;
          reconnects.inc();
          break;
        case 'stopped':
          subscribed = false;
          break;
        case 'ignored':
          ignored.inc();
          break;
        default:
          // the drops at subscribing name no table: counted by dcn_watch_subscriptions_total
          if (e.table === undefined) break;
          drops.inc({ table: e.table, outcome: e.action === 'dropped' ? 'dropped' : 'dropped_all' });
          if (e.latencyMs !== undefined) latency.observe(e.latencyMs / 1000);
      }
      up.set(subscribed ? 1 : 0);
    },
  };
}
