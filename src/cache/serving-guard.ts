/**
 * Whether a cache may answer from its directory now: the one place that says so. It may not
 * while its bus link does not grant serving (bus-link.ts), nor after a drop it could not apply
 * (a read-only disk, a directory gone), until a drop of every entry has succeeded: what the
 * failed drop should have removed may still be there. /healthz reads the same answer.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { BusAcks, BusMessage, BusState, BusTransport } from './bus.js';
import { BusLink } from './bus-link.js';
import { isMissing } from './entry-files.js';
import type { CacheWarningCode } from './warnings.js';

export interface GuardHooks {
  /** Drops every entry (and what the process remembers): after a reconnect, and to heal. */
  dropEverything(): Promise<void>;
  /** Applies another instance's drop; throws when it could not. */
  apply(message: BusMessage): void;
  warn(code: CacheWarningCode, fn: string | undefined, message: string, cause?: unknown): void;
}

const HEAL_FIRST_MS = 1000;
const HEAL_MAX_MS = 30_000;

export class ServingGuard {
  readonly #root: string;
  readonly #shownDir: string;
  readonly #hooks: GuardHooks;
  readonly #link: BusLink | undefined;
  /** Why nothing is served from the directory: a drop that could not be applied. */
  #unsafe: string | undefined;
  /** Bumped by every drop that could not be applied: a heal that overlapped one does not count. */
  #failures = 0;
  #healTimer: NodeJS.Timeout | undefined;
  #healMs = HEAL_FIRST_MS;

  constructor(
    root: string,
    shownDir: string,
    hooks: GuardHooks,
    bus?: { transport: BusTransport; leaseMs?: number; acks?: BusAcks },
  ) {
    this.#root = root;
    this.#shownDir = shownDir;
    this.#hooks = hooks;
    if (bus) {
      this.#link = new BusLink(
        bus.transport,
        {
          // What the directory holds may have missed drops published while this cache was not
          // subscribed (at start too: its host was down, say): it goes before anything is served.
          catchUp: () => hooks.dropEverything(),
          apply: (m) => {
            try {
              hooks.apply(m);
            } catch (err) {
              this.dropFailed(`a drop from the bus could not be applied (${(err as Error).message})`, m.name, err);
            }
          },
          down: (reason, cause) => hooks.warn('bus_down', undefined, reason, cause),
          up: (message) => hooks.warn('bus_up', undefined, message),
        },
        bus.leaseMs,
        bus.acks,
      );
    }
  }

  get hasBus(): boolean {
    return this.#link !== undefined;
  }

  /** May the cache serve from its directory, and store there, now? Checked at every call. */
  get serving(): boolean {
    return this.#unsafe === undefined && (this.#link === undefined || this.#link.serving);
  }

  ready(): Promise<void> {
    return this.#link?.ready() ?? Promise.resolve();
  }

  busState(): BusState | undefined {
    if (!this.#link) return undefined;
    const { state } = this.#link.status();
    return state === 'serving' ? 'up' : state === 'connecting' ? 'connecting' : 'down';
  }

  /** Publishes a drop on the bus (nothing without one); settles within the lease. */
  async publish(message: BusMessage): Promise<void> {
    await this.#link?.publish(message);
  }

  /** Whether the cache can serve safely now, and why not. */
  health(): { readonly ok: boolean; readonly reason?: string } {
    if (this.#link && !this.#link.serving)
      return { ok: false, reason: `bus ${this.#link.where}: ${this.#link.status().reason ?? 'not serving'}` };
    if (this.#unsafe) return { ok: false, reason: this.#unsafe };
    try {
      if (!statSync(this.#root).isDirectory())
        return { ok: false, reason: `the cache directory ${this.#shownDir} is not a directory` };
      accessSync(this.#root, constants.W_OK); // EROFS on a read-only mount
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return {
        ok: false,
        reason: isMissing(err)
          ? `the cache directory ${this.#shownDir} is gone`
          : `the cache directory ${this.#shownDir} cannot be written (${code})`,
      };
    }
    return { ok: true };
  }

  /**
   * A drop that could not be applied: nothing is served from the directory until every entry has
   * been dropped, which is tried again, backing off to 30 s.
   */
  dropFailed(reason: string, name: string | undefined, cause: unknown): void {
    this.#failures++;
    this.#unsafe = reason;
    this.#hooks.warn('drop_failed', name, `${reason}: every call computes until every entry can be dropped`, cause);
    if (!this.#healTimer) this.#healLater((this.#healMs = HEAL_FIRST_MS));
  }

  #healLater(ms: number): void {
    this.#healTimer = setTimeout(() => {
      const failures = this.#failures;
      const retry = () => this.#healLater((this.#healMs = Math.min(this.#healMs * 2, HEAL_MAX_MS)));
      this.#hooks.dropEverything().then(() => {
        if (failures !== this.#failures) return retry();
        this.#healTimer = undefined;
        this.#unsafe = undefined;
        this.#hooks.warn(
          'drop_healed',
          undefined,
          'every entry was dropped after a drop that could not be applied: serving again',
        );
      }, retry);
    }, ms);
    this.#healTimer.unref();
  }

  close(): void {
    clearTimeout(this.#healTimer);
    this.#healTimer = undefined;
    this.#link?.close();
  }
}
