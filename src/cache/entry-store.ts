/**
 * What the cache asks of the store that holds its entries, whatever it is made of: files
 * (file-store.ts) or an LMDB environment (lmdb-store.ts). Each entry is a claim (written before
 * the function runs, known by an identity of its own) and a value computed under it; a value
 * counts only while its claim is the one stored. Dropping removes the claim, so a computation
 * that was running when the drop came can never make its (stale) result visible. Disk errors
 * are thrown to the cache, which decides what they cost (a miss, a warning, or not serving).
 */
import type { SweepLimits, SweepReport } from './sweep.js';

/** A claim's identity: a new claim of a key never has the identity of one it replaced. */
export type ClaimId = number | string;

/** An entry as read: its claim, and its value when one was computed under that claim. */
export interface LoadedEntry {
  readonly claim: ClaimId;
  /** Absent while the value is being computed, or when it is larger than maxValueBytes. */
  readonly value?: {
    /** The value, parsed from its JSON. */
    readonly value: unknown;
    /** The size of its JSON (for the memory tier's bound in bytes). */
    readonly bytes: number;
    readonly expires: number;
    /** When the value was last used (for the least-recently-used eviction beyond maxBytes). */
    readonly touched: number;
  };
}

export interface CacheStore {
  /** The cache directory, absolute. */
  readonly root: string;
  /** Opens the store; false on a disk error (kept for the next claim's warning); CacheDirError is thrown. */
  tryOpen(): boolean;
  /** Opens the store and proves this process can write in it; throws when it cannot. */
  checkWritable(): void;
  /** Where an entry lives, for a warning. */
  where(name: string): string;
  /** The identity of an entry's claim now; undefined when there is none. */
  claimOf(name: string, hash: string): ClaimId | undefined;
  /** An entry's claim and value; undefined when there is no claim. */
  load(name: string, hash: string, maxValueBytes: number, now: number): LoadedEntry | undefined;
  /** Writes the claim a computation runs under (replacing any), and returns its identity. */
  claim(name: string, hash: string, token: string, now: number): ClaimId;
  /** Is the entry's claim still this one (a drop, or a newer claim, replaces it)? */
  holds(name: string, hash: string, claim: ClaimId): boolean;
  /** Stores a value computed under a claim; false when the claim was taken meanwhile. */
  storeValue(
    name: string,
    hash: string,
    claim: ClaimId,
    token: string,
    text: string,
    now: number,
    expires: number,
  ): boolean;
  /** Removes a claim whose computation failed, if it is still the one stored. */
  release(name: string, hash: string, claim: ClaimId): void;
  /** Records a use of an entry (for the least-recently-used order), if its claim still holds. */
  touch(name: string, hash: string, claim: ClaimId, expires: number, now: number): void;
  /** Drops one entry; false when there was none. Throws when the store cannot be reached. */
  drop(name: string, hash: string): boolean;
  /** Drops every entry of a function, at once whatever their number. */
  dropAll(name: string): void;
  /** The functions that may have entries. */
  functions(): Promise<string[]>;
  /** Reclaims what no call can use any more (see sweep.ts); `failed` is told when the store cannot be read. */
  sweep(limits: SweepLimits, failed: (err: unknown) => void): Promise<SweepReport>;
  close(): void;
}
