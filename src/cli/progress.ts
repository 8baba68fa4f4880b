/**
 * A migrate run's progress on stderr, drawn from the engine's events. On a terminal: one line,
 * rewritten in place, naming the migration and the statement running and the time it has taken
 * so far (a once-a-second tick for the time), erased before any other line is written, so what
 * stays on the screen is what the command prints. Off a terminal (a CI log, a file): a line when
 * each migration starts and one when it ends, since a log cannot be rewritten.
 */
import type { Writable } from 'node:stream';
import { migrationLabel } from '../migrator/source.js';
import type { MigrationEvent } from '../migrator/types.js';
import { formatMs } from './output.js';

/** Carriage return and erase to the end of the line (ECMA-48 EL). */
const ERASE = '\r\u001b[K';

/** What with-migrator needs of either kind of progress. */
export interface Progress {
  onEvent(event: MigrationEvent): void;
  stop(): void;
}

/** The progress for a stream: in place on a terminal, line by line elsewhere. */
export function progressOn(stream: Writable & { isTTY?: boolean; columns?: number }): Progress {
  return stream.isTTY === true ? new TerminalProgress(stream) : new LineProgress(stream);
}

function labelOf(version: string, description: string): string {
  return `${migrationLabel(version)} (${description})`;
}

/** Off a terminal: one line as each migration starts, one as it ends with the time it took. */
export class LineProgress implements Progress {
  /** The description of the running migration: the end events carry only its version. */
  #description = '';

  constructor(private readonly stream: Writable) {}

  onEvent(event: MigrationEvent): void {
    const down = 'direction' in event && event.direction === 'down';
    switch (event.type) {
      case 'migration-start': {
        this.#description = event.description;
        const what = `${down ? 'undoing' : 'applying'} ${labelOf(event.version, event.description)}`;
        const where =
          event.resumeFrom === undefined
            ? `${event.statements} statement${event.statements === 1 ? '' : 's'}`
            : `from statement ${event.resumeFrom} of ${event.statements}`;
        this.#write(`${what}: ${where}`);
        break;
      }
      case 'migration-done':
        this.#write(
          `${down ? 'undid' : 'applied'} ${labelOf(event.version, this.#description)} in ${formatMs(event.durationMs)}`,
        );
        break;
      case 'migration-failed':
        this.#write(
          `${down ? 'undo of ' : ''}${labelOf(event.version, this.#description)} failed after ${formatMs(event.durationMs)}`,
        );
        break;
      default:
        break;
    }
  }

  stop(): void {}

  #write(text: string): void {
    this.stream.write(`dcn: ${text}\n`);
  }
}

export class TerminalProgress implements Progress {
  #running?: { label: string; statement: number; total: number; started: number };
  #timer?: ReturnType<typeof setInterval>;
  #shown = false;

  constructor(
    private readonly stream: Writable & { columns?: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Call before the event is printed: a line that ends a migration must not share the screen line with the progress. */
  onEvent(event: MigrationEvent): void {
    switch (event.type) {
      case 'migration-start':
        this.#running = {
          label: `${event.direction === 'down' ? 'undo of ' : ''}${labelOf(event.version, event.description)}`,
          statement: event.resumeFrom ?? 1,
          total: event.statements,
          started: this.now(),
        };
        this.#timer ??= setInterval(() => this.#draw(), 1000).unref();
        this.#draw();
        break;
      case 'statement-done':
        if (this.#running) this.#running.statement = Math.min(event.index + 1, this.#running.total);
        this.#draw();
        break;
      case 'migration-done':
      case 'migration-failed':
        this.#running = undefined;
        this.erase();
        break;
      case 'warning':
      case 'lock-acquired':
        this.erase();
        break;
    }
  }

  /** Takes the progress line off the screen (it comes back at the next event or tick). */
  erase(): void {
    if (!this.#shown) return;
    this.stream.write(ERASE);
    this.#shown = false;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#running = undefined;
    this.erase();
  }

  #draw(): void {
    const r = this.#running;
    if (!r) return;
    const text = `dcn: ${r.label}: statement ${r.statement} of ${r.total}, ${formatMs(Math.round(this.now() - r.started))}`;
    // a line longer than the terminal wraps, and \r would then rewrite only its last part
    const width = (this.stream.columns ?? 80) - 1;
    this.stream.write(`${ERASE}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.#shown = true;
  }
}
