/** The store a cache is made with (which one, and why it is the default: README.md, "Which store"). */
import type { CacheStore } from './entry-store.js';
import { FileStore } from './file-store.js';
import { LmdbStore } from './lmdb-store.js';

export function openStore(kind: 'files' | 'lmdb', root: string, shown: string): CacheStore {
  if (kind === 'files') return new FileStore(root, shown);
  if (kind === 'lmdb') return new LmdbStore(root, shown);
  throw new TypeError(`result cache: store must be 'files' or 'lmdb', not ${JSON.stringify(kind)}`);
}
