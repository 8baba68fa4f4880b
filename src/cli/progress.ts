/**
 * A migrate run's progress on a terminal: one line on stderr, rewritten in place, naming the
 * migration and the statement running and the time it has taken so far. It is drawn from the
 * engine's events (and a once-a-second tick for the time), and erased before any other line is
 * written, so what stays on the screen is what the command prints.
 */
import type { Writable } from 'node:stream';
import { migrationLabel } from '../migrator/source.js';
import type { MigrationEvent } from '../migrator/types.js';
import { formatMs } from './output.js';

/** Carriage return and erase to the end of the line (ECMA-48 EL). */
const ERASE = '\r\u001b[K';

export class TerminalProgress {
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
          label: `${event.direction === 'down' ? 'undo of ' : ''}${migrationLabel(event.version)} (${event.description})`,
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
