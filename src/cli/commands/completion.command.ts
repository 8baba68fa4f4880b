/**
 * dcn completion: what the command is, its flags, help and examples; its handler,
 * ./completion.ts, is imported only when it runs (program.ts), as every command's is.
 */
import { command, describeCommands, rootOf } from '../command-registry.js';
import { type FlagsOf } from '../options.js';

export const COMPLETION = {
  json: { flags: '--json', description: 'print the commands and their flags as one JSON document instead of a script' },
} as const;
export type CompletionFlags = FlagsOf<typeof COMPLETION>;

export const COMPLETION_COMMAND = command({
  name: 'completion',
  description: 'print a completion script for bash, zsh or fish, made from these very commands and flags',
  argument: ['<shell>', 'bash, zsh or fish', 'shell'],
  examples: [
    'dcn completion bash > /etc/bash_completion.d/dcn',
    'dcn completion zsh > "${fpath[1]}/_dcn"',
    'dcn completion fish > ~/.config/fish/completions/dcn.fish',
  ],
  options: COMPLETION,
  // what the script completes: every command and flag of this program
  extraFlags: (cmd) => ({ commands: () => describeCommands(rootOf(cmd)) }),
});
