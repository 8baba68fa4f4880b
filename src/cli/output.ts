/**
 * All printing happens here. Human output goes to stdout, in colour only on a TTY without
 * NO_COLOR; with --json, stdout carries exactly one JSON document and human diagnostics go to
 * stderr. chalk is used only through this module, and loaded only when there is colour to show:
 * piped and CI runs do not pay for it.
 */
import { ChunkedText, writeJson } from './chunked-text.js';
import type { CommandContext } from './context.js';

/** The few styles dcn uses. */
export interface Painter {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  magenta(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain = (s: string) => s;
const PLAIN: Painter = { green: plain, red: plain, yellow: plain, magenta: plain, dim: plain, bold: plain };

export function wantsColor(ctx: CommandContext, json: boolean): boolean {
  const noColor = ctx.env.NO_COLOR !== undefined && ctx.env.NO_COLOR !== '';
  return !json && !noColor && ctx.stdout.isTTY === true;
}

export class Output {
  readonly json: boolean;
  readonly color: Painter;

  private constructor(
    private readonly ctx: CommandContext,
    json: boolean,
    color: Painter,
  ) {
    this.json = json;
    this.color = color;
  }

  static async create(ctx: CommandContext, options: { json?: boolean } = {}): Promise<Output> {
    const json = options.json ?? false;
    if (!wantsColor(ctx, json)) return new Output(ctx, json, PLAIN);
    const { Chalk } = await import('chalk');
    return new Output(ctx, json, new Chalk({ level: 1 }));
  }

  /** A line of human output; suppressed in JSON mode. */
  line(text = ''): void {
    if (!this.json) this.ctx.stdout.write(`${text}\n`);
  }

  /** A diagnostic for people, on stderr, in either mode. */
  note(text: string): void {
    this.ctx.stderr.write(`${text}\n`);
  }

  /** The one JSON document of a --json run. */
  document(value: unknown): void {
    const chunks = new ChunkedText((text) => this.ctx.stdout.write(text));
    writeJson(value, chunks.add);
    chunks.add('\n');
    chunks.flush();
  }

  /** Raw text on stdout (e.g. the plan script). */
  raw(text: string): void {
    this.ctx.stdout.write(text);
  }
}

/** Left-aligned columns for a human table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c))))
      .join('  ')
      .trimEnd();
  return [fmt(headers), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
