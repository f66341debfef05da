/**
 * Shell words of a RUN line (and of the shell form of COPY/ADD/ENV arguments).
 *
 * Hand-written on purpose: dockerfile-ast splits arguments on whitespace only (`"a b"`
 * stays two words, quotes kept), and no maintained JavaScript parser of POSIX shell is a
 * dependency here; what detection needs from a RUN line is only its simple commands and
 * their words, not a shell. Pure.
 */

/**
 * Splits a shell script into simple commands (word lists), honouring quotes, escapes,
 * `$(…)` and the separators `&& || ; | & ( )` and newlines. Good enough for RUN lines;
 * not a shell.
 */
export function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] ?? '';
    if (c === "'") {
      const j = script.indexOf("'", i + 1);
      const end = j < 0 ? script.length : j;
      word += script.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && /["\\$`]/.test(script[i + 1] ?? '')) i++;
        word += script[i] ?? '';
      }
    } else if (c === '\\') {
      if (script[i + 1] === '\n') {
        i++;
      } else {
        word += script[i + 1] ?? '';
        inWord = true;
        i++;
      }
    } else if (c === '$' && script[i + 1] === '(') {
      let depth = 0;
      const from = i;
      for (; i < script.length; i++) {
        if (script[i] === '(') depth++;
        else if (script[i] === ')' && --depth === 0) break;
      }
      word += script.slice(from, i + 1);
      inWord = true;
    } else if (c === '`') {
      const j = script.indexOf('`', i + 1);
      const end = j < 0 ? script.length : j;
      word += script.slice(i, end + 1);
      inWord = true;
      i = end;
    } else if (c === '#' && !inWord) {
      while (i < script.length && script[i] !== '\n') i++;
      endCommand();
    } else if (/[;&|()\n]/.test(c)) {
      endCommand();
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** The words of one instruction's arguments (shell form): quotes removed, no command separators. */
export function shellWords(text: string): string[] {
  return shellCommands(text.replace(/\n/g, ' ')).flat();
}
