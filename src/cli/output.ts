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

/** Colour for a stream: only on a terminal, and not with NO_COLOR (no-color.org). chalk loads only then. */
export async function painterFor(stream: { isTTY?: boolean }, env: CommandContext['env']): Promise<Painter> {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  if (noColor || stream.isTTY !== true) return PLAIN;
  const { Chalk } = await import('chalk');
  return new Chalk({ level: 1 });
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
    return new Output(ctx, json, json ? PLAIN : await painterFor(ctx.stdout, ctx.env));
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

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
