/**
 * dcn as a library: the result cache an application uses, and the listener the database calls.
 * The command-line tool is bin/dcn.js.
 */
export { ResultCache, argumentsHash, encodeArguments } from './cache/result-cache.js';
export type {
  CacheWarning,
  CacheWarningCode,
  CallOptions,
  CallResult,
  Json,
  ResultCacheOptions,
  SweepReport,
} from './cache/result-cache.js';
export { createNotificationHandler, startListener, DEFAULT_PATH, DEFAULT_TABLES } from './listener/listener.js';
export type { HandlerOptions, ListenerOptions, NotificationEvent, RunningListener } from './listener/listener.js';
