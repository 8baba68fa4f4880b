/**
 * dcn completion bash|zsh|fish: a completion script written from the command definitions
 * themselves, so a new command or flag is completed without anyone editing a script.
 */
import { usageError } from '../../errors.js';
import type { Output } from '../output.js';
import type { CommandInfo, OptionInfo } from '../command-registry.js';
import type { CompletionFlags as Given } from './completion.command.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

type CompletionFlags = Given & { shell: string; commands: () => CommandInfo[] };

interface CompletionResult {
  readonly shell: Shell;
  readonly commands: readonly CommandInfo[];
}

export function run(flags: CompletionFlags): Promise<CompletionResult> {
  if (!(SHELLS as readonly string[]).includes(flags.shell))
    throw usageError(`no completion for the shell '${flags.shell}'`, `give one of ${SHELLS.join(', ')}`);
  return Promise.resolve({ shell: flags.shell as Shell, commands: flags.commands() });
}

export function print(result: CompletionResult, out: Output): void {
  out.raw(SCRIPTS[result.shell](result.commands));
}

/** A word in single quotes, for bash, zsh and fish alike. */
function quote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** The first line of a description, short enough for a completion menu. */
function brief(s: string): string {
  const line = s.split('\n')[0]!;
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

const flagsOf = (o: OptionInfo) => [o.short, o.long].filter((f): f is string => f !== undefined);

/** The case patterns that step into a subcommand: 'PATH:WORD' for every command below dcn. */
function steps(commands: readonly CommandInfo[]): string {
  return commands
    .filter((c) => c.path.length > 0)
    .map((c) => quote(`${c.path.slice(0, -1).join(' ')}:${c.path.at(-1)}`))
    .join('|');
}

function bash(commands: readonly CommandInfo[]): string {
  const cases = commands.map((c) => {
    const words = c.subcommands.map((s) => s.name).join(' ');
    const flags = c.options.flatMap(flagsOf).join(' ');
    const values = c.options
      .filter((o) => o.takesValue)
      .flatMap(flagsOf)
      .join(' ');
    const choices = c.options
      .filter((o) => o.choices)
      .map(
        (o) =>
          `        ${flagsOf(o).map(quote).join('|')}) COMPREPLY=($(compgen -W ${quote(o.choices!.join(' '))} -- "$cur")); return ;;`,
      );
    return [
      `    ${quote(c.path.join(' '))})`,
      `      words=${quote(words)}; flags=${quote(flags)}; values=${quote(values)}`,
      ...(choices.length ? ['      case $prev in', ...choices, '      esac'] : []),
      '      ;;',
    ].join('\n');
  });
  return `# bash completion for dcn, written by \`dcn completion bash\` from its command definitions.
# Load it with: source <(dcn completion bash), or save it as /etc/bash_completion.d/dcn
_dcn() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path= i w words flags values
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case "$path:$w" in
      ${steps(commands)}) path=\${path:+$path }$w ;;
    esac
  done
  case $path in
${cases.join('\n')}
  esac
  # the value of a flag that takes one: left to the shell (file names)
  case " $values " in *" $prev "*) [[ $prev == -* ]] && return ;; esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -o default -F _dcn dcn
`;
}

/** zsh's _describe takes name:description; a colon in the name is escaped. */
function described(name: string, description: string): string {
  return quote(`${name.replace(/:/g, '\\:')}:${brief(description)}`);
}

function zsh(commands: readonly CommandInfo[]): string {
  const cases = commands.map((c) => {
    const subs = c.subcommands.map((s) => described(s.name, s.description)).join(' ');
    const opts = c.options.flatMap((o) => flagsOf(o).map((f) => described(f, o.description))).join(' ');
    const values = c.options
      .filter((o) => o.takesValue)
      .flatMap(flagsOf)
      .join(' ');
    return `    (${quote(c.path.join(' '))})\n      subs=(${subs})\n      opts=(${opts})\n      values=(${values})\n      ;;`;
  });
  return `#compdef dcn
# zsh completion for dcn, written by \`dcn completion zsh\` from its command definitions.
# Save it as _dcn in a directory of $fpath, e.g. dcn completion zsh > "\${fpath[1]}/_dcn"
_dcn() {
  local path_= w i
  local -a subs opts values
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    case "$path_:$w" in
      (${steps(commands)}) path_=\${path_:+$path_ }$w ;;
    esac
  done
  case $path_ in
${cases.join('\n')}
  esac
  if (( \${values[(Ie)\${words[CURRENT-1]}]} )); then
    _files
  elif [[ $PREFIX == -* ]]; then
    _describe -t options 'dcn option' opts
  else
    _describe -t commands 'dcn command' subs || _files
  fi
}
compdef _dcn dcn
`;
}

function fish(commands: readonly CommandInfo[]): string {
  const lines: string[] = [];
  for (const c of commands) {
    // __dcn_path prints the path after a colon: never an empty word, which test would not see
    const when = `-n ${quote(`test (__dcn_path) = ${quote(`:${c.path.join(' ')}`)}`)}`;
    for (const s of c.subcommands)
      lines.push(`complete -c dcn ${when} -a ${quote(s.name)} -d ${quote(brief(s.description))}`);
    for (const o of c.options) {
      const names = [o.short ? `-s ${o.short.slice(1)}` : '', o.long ? `-l ${o.long.slice(2)}` : '']
        .filter(Boolean)
        .join(' ');
      const value = o.choices ? ` -x -a ${quote(o.choices.join(' '))}` : o.takesValue ? ' -r -F' : '';
      lines.push(`complete -c dcn ${when} ${names}${value} -d ${quote(brief(o.description))}`);
    }
  }
  return `# fish completion for dcn, written by \`dcn completion fish\` from its command definitions.
# Save it as ~/.config/fish/completions/dcn.fish
function __dcn_path
    set -l path ''
    for w in (commandline -opc)[2..-1]
        switch "$path:$w"
            case ${commands
              .filter((c) => c.path.length > 0)
              .map((c) => quote(`${c.path.slice(0, -1).join(' ')}:${c.path.at(-1)}`))
              .join(' ')}
                if test -z "$path"
                    set path $w
                else
                    set path "$path $w"
                end
        end
    end
    echo ":$path"
end
complete -c dcn -f
${lines.join('\n')}
`;
}

const SCRIPTS: Record<Shell, (commands: readonly CommandInfo[]) => string> = { bash, zsh, fish };
