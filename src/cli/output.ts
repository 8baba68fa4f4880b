/**
 * All printing happens here. Human output goes to stdout, in colour on a TTY without NO_COLOR
 * (or as --color, --no-color or FORCE_COLOR say); with --json, stdout carries exactly one JSON document and human diagnostics go to
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

/**
 * Whether a stream gets colour: --color / --no-color first; then FORCE_COLOR as Node reads it
 * (https://nodejs.org/api/cli.html#force_color1-2-3: '', 1, 2, 3 or true force colour, 0 or
 * false turn it off, and it overrides NO_COLOR); then NO_COLOR (no-color.org); then a terminal.
 */
export function wantsColor(stream: { isTTY?: boolean }, env: CommandContext['env'], flag?: boolean): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !/^(0|false)$/i.test(force.trim());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

/** Colour for a stream, as wantsColor decides. chalk loads only when there is colour to show. */
export async function painterFor(
  stream: { isTTY?: boolean },
  env: CommandContext['env'],
  flag?: boolean,
): Promise<Painter> {
  if (!wantsColor(stream, env, flag)) return PLAIN;
  const { Chalk } = await import('chalk');
  return new Chalk({ level: 1 });
}

export class Output {
  readonly json: boolean;
  readonly color: Painter;
  /** --quiet: no progress lines, no closing summary. */
  readonly quiet: boolean;

  private constructor(
    private readonly ctx: CommandContext,
    json: boolean,
    color: Painter,
    quiet = false,
  ) {
    this.json = json;
    this.color = color;
    this.quiet = quiet;
  }

  static async create(
    ctx: CommandContext,
    options: { json?: boolean; quiet?: boolean; color?: boolean } = {},
  ): Promise<Output> {
    const json = options.json ?? false;
    return new Output(
      ctx,
      json,
      json ? PLAIN : await painterFor(ctx.stdout, ctx.env, options.color),
      options.quiet ?? false,
    );
  }

  /** A line of human output; suppressed in JSON mode. */
  line(text = ''): void {
    if (!this.json) this.ctx.stdout.write(`${text}\n`);
  }

  /** A diagnostic for people, on stderr, in either mode. */
  note(text: string): void {
    this.ctx.stderr.write(`${text}\n`);
  }

  /**
   * A note on stderr about the command's own course (listening on …, stopped after …), which
   * --quiet leaves out; warnings and errors go through note() and always print.
   */
  status(text: string): void {
    if (!this.quiet) this.note(text);
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
