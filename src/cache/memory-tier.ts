/**
 * What a process remembers of the entries it has read or stored: per function, per arguments'
 * hash, in least-recently-used order, bounded in entries and (optionally) in bytes. Pure: it
 * never touches the disk; the cache decides when a remembered entry may be served.
 */

import type { ClaimId } from './entry-store.js';

export interface MemoryEntry {
  /** The identity of the claim the value was computed under. */
  readonly claim: ClaimId;
  readonly expires: number;
  readonly value: unknown;
  /** The value's size as stored (its JSON), for the bound in bytes. */
  readonly bytes: number;
  /** When this entry's use was last written to the store. */
  touched: number;
}

export class MemoryTier {
  /** name → hash → entry, least recently used first within a function, functions likewise. */
  readonly #entries = new Map<string, Map<string, MemoryEntry>>();
  #size = 0;
  #bytes = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes?: number,
  ) {}

  get size(): number {
    return this.#size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** An entry, made the most recently used (of its function, and its function of all). */
  get(name: string, hash: string): MemoryEntry | undefined {
    const byHash = this.#entries.get(name);
    const entry = byHash?.get(hash);
    if (entry && byHash) {
      // a Map keeps insertion order: taken out and put back, it is the most recent
      byHash.delete(hash);
      byHash.set(hash, entry);
      this.#entries.delete(name);
      this.#entries.set(name, byHash);
    }
    return entry;
  }

  remember(name: string, hash: string, entry: MemoryEntry): void {
    let byHash = this.#entries.get(name);
    if (!byHash) {
      byHash = new Map();
      this.#entries.set(name, byHash);
    }
    const previous = byHash.get(hash);
    if (previous) {
      byHash.delete(hash);
      this.#bytes -= previous.bytes;
    } else this.#size++;
    byHash.set(hash, entry);
    this.#bytes += entry.bytes;
    while (
      this.#size > this.maxEntries ||
      (this.maxBytes !== undefined && this.#bytes > this.maxBytes && this.#size > 0)
    ) {
      const [oldestName, oldest] = this.#entries.entries().next().value as [string, Map<string, MemoryEntry>];
      const first = oldest.entries().next();
      if (!first.done) {
        oldest.delete(first.value[0]);
        this.#size--;
        this.#bytes -= first.value[1].bytes;
      }
      if (oldest.size === 0) this.#entries.delete(oldestName);
    }
  }

  /** Forgets one entry, or every entry of a function. */
  forget(name: string, hash?: string): void {
    const byHash = this.#entries.get(name);
    if (!byHash) return;
    if (hash === undefined) {
      this.#size -= byHash.size;
      for (const e of byHash.values()) this.#bytes -= e.bytes;
      this.#entries.delete(name);
      return;
    }
    const entry = byHash.get(hash);
    if (entry && byHash.delete(hash)) {
      this.#size--;
      this.#bytes -= entry.bytes;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#size = 0;
    this.#bytes = 0;
  }
}
