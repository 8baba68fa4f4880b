/** What a ResultCache is given, and what its calls take and return. */
import type { BusTransport } from './bus.js';

export interface ResultCacheOptions {
  /** The directory shared by the application and the listener. */
  readonly dir: string;
  /**
   * What holds the entries: 'files' (two files per entry, the default) or 'lmdb' (one LMDB
   * environment in the directory; the processes that share it must be on one host). Every process
   * that shares the directory must use the same: the directory is marked with its store.
   */
  readonly store?: 'files' | 'lmdb';
  /** Default lifetime of an entry; Cache_Lite's default is one hour. */
  readonly lifetimeSeconds?: number;
  /** How many entries this process keeps in memory (least recently used go first). */
  readonly memoryEntries?: number;
  /**
   * A bound on what the entries take on disk (in whole blocks, as du counts them): each sweep
   * evicts the least recently used entries beyond it, and a sweep starts once half of it was written.
   */
  readonly maxBytes?: number;
  /** A result larger than this (as stored) is returned uncached. Default 4 MiB. */
  readonly maxValueBytes?: number;
  /** How often this process sweeps the directory; 0 never (call sweep() yourself). Default 60. */
  readonly sweepIntervalSeconds?: number;
  /** How old a temporary file or an abandoned claim must be before a sweep takes it. Default 600. */
  readonly leftoverAgeSeconds?: number;
  /** At most one warning of a kind per function in this many seconds. Default 60. */
  readonly warningIntervalSeconds?: number;
  /**
   * A bus that keeps caches on other hosts coherent: redis://[user:password@]host[:port][/db] or
   * rediss:// (TLS), or a BusTransport. Every drop is published, every drop published by another
   * instance on the same channel is applied here, and the cache serves from its directory only
   * while its link to the bus is confirmed live (a PING answered, and its lease renewed, less
   * than busLeaseMs ago); otherwise every call computes. At start everything in the directory is
   * dropped before anything is served; after a reconnect, the drops it missed are applied from
   * the bus's log (everything is dropped only when the log no longer holds them).
   */
  readonly bus?: string | BusTransport;
  /**
   * The lease on the bus, in ms (default 3000): a link that goes silent stops serving before this
   * has passed, and drop() and ready() settle within it. A PING goes every third of it.
   */
  readonly busLeaseMs?: number;
  /**
   * What drop() and dropAll() wait for, with a bus. 'applied' (the default): every other cache on
   * the channel whose lease is live has applied the drop (acknowledged through Redis), or its
   * lease has lapsed, so a read that begins anywhere after drop() resolved returns no older
   * value; rejects after twice busLeaseMs. 'published': only that Redis took it; other caches
   * apply it a moment later (milliseconds, at most busLeaseMs for one that lost its link).
   */
  readonly busAcks?: 'applied' | 'published';
  /**
   * How many drops the bus's log keeps (about; default 10,000): a cache back on the bus applies
   * the drops it missed from it and keeps its other entries; one that missed more drops than
   * that drops every entry.
   */
  readonly busLogLength?: number;
  /** The bus channel (default dcn:cache): the instances that share one are kept coherent. */
  readonly channel?: string;
  /**
   * With a bus: serve hits from this process's memory without a stat() of the entry on disk
   * (true, or at most this many bytes of values). Every drop must then come through the bus: one
   * made by a process that shares the directory without the bus is not seen until the entry
   * expires. Bypassed while the bus is down, like the rest of the cache.
   */
  readonly memory?: boolean | number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export interface CallOptions {
  /** Lifetime of this entry, overriding the cache's. */
  readonly lifetimeSeconds?: number;
}

export interface CallResult<T> {
  readonly value: T;
  /** True when the value came from the cache, false when the function ran. */
  readonly hit: boolean;
}

/** JSON-shaped data: what a cached result is stored and returned as. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
