/**
 * Shell completion scripts for `cao completion bash|zsh|fish`, built from the command table:
 * command names, each command's sub-commands and the flags its usage names. Pure.
 */
export interface CompletionSpec {
  name: string;
  summary: string;
  subcommands: string[];
  flags: string[];
}

/** What a command's usage text names: `cao CMD SUB …` lines and `--flag`s. */
export function scrapeUsage(usage: string): { subcommands: string[]; flags: string[] } {
  const subcommands = new Set<string>();
  for (const m of usage.matchAll(/^\s*cao [a-z-]+ ([a-z][a-z|-]*)(?=\s|$)/gm)) {
    for (const name of (m[1] ?? '').split('|')) if (name) subcommands.add(name);
  }
  const flags = new Set<string>(['--help']);
  for (const m of usage.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) flags.add(m[0]);
  return { subcommands: [...subcommands], flags: [...flags].sort() };
}

const shellWord = (s: string): string => s.replaceAll(/[^\w.-]/g, '');

export function bashScript(specs: readonly CompletionSpec[]): string {
  const cases = specs
    .map((c) => {
      const subs = c.subcommands.map(shellWord).join(' ');
      const flags = c.flags.map(shellWord).join(' ');
      return subs
        ? `    ${shellWord(c.name)}) if [ "$COMP_CWORD" -eq 2 ]; then words="${subs}"; else words="${flags}"; fi ;;`
        : `    ${shellWord(c.name)}) words="${flags}" ;;`;
    })
    .join('\n');
  return `# cao completion for bash: source this file, or save it as
# ~/.local/share/bash-completion/completions/cao
_cao() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${specs.map((c) => shellWord(c.name)).join(' ')} help --help --version"
  else
    case "\${COMP_WORDS[1]}" in
${cases}
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _cao cao
`;
}

export function zshScript(specs: readonly CompletionSpec[]): string {
  return `# cao completion for zsh: add 'source <(cao completion zsh)' to ~/.zshrc
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(specs)}`;
}

const fishText = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

export function fishScript(specs: readonly CompletionSpec[]): string {
  const lines = [
    '# cao completion for fish: cao completion fish > ~/.config/fish/completions/cao.fish',
    'complete -c cao -f',
  ];
  for (const c of specs) {
    const name = shellWord(c.name);
    lines.push(`complete -c cao -n __fish_use_subcommand -a ${name} -d ${fishText(c.summary)}`);
    if (c.subcommands.length > 0) {
      lines.push(
        `complete -c cao -n '__fish_seen_subcommand_from ${name}' -a '${c.subcommands.map(shellWord).join(' ')}'`,
      );
    }
    for (const f of c.flags) {
      lines.push(
        `complete -c cao -n '__fish_seen_subcommand_from ${name}' -l ${shellWord(f.slice(2))}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
