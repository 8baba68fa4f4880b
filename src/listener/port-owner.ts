/**
 * Which process listens on a TCP port, as far as the system tells: on Linux, the LISTEN sockets
 * of /proc/net/tcp and tcp6 (state 0A) matched by inode against the socket links of
 * /proc/<pid>/fd. Elsewhere, or for another user's process without the right to see its files,
 * it tells nothing, and the caller says less.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface PortOwner {
  readonly pid: number;
  readonly command: string;
}

const LISTEN = '0A';

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1]?.split(':')[1];
      if (local !== undefined && parseInt(local, 16) === port && cols[3] === LISTEN && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

export function portOwner(port: number): PortOwner | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode !== undefined && inodes.has(inode)) {
        let command = '';
        try {
          command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          // gone meanwhile: the pid is still worth telling
        }
        return { pid: Number(pid), command };
      }
    }
  }
  return undefined;
}
