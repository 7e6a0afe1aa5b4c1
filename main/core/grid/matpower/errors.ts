// Typed errors of the MATPOWER reader and change-table tools. A parse error
// carries file, line and column (1-based) so the UI can point at the text.

/** A case or change-table file the reader rejects, located in the text. */
export class CaseParseError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The reason alone, without the `file:line:column: ` prefix. */
  readonly reason: string;

  constructor(file: string, line: number, column: number, reason: string) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = 'CaseParseError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/** A change table that cannot be applied to a given case. */
export class ChangeTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangeTableError';
  }
}

/** 1-based line and column (UTF-16 units) of `offset` in `src`. */
export function lineColumn(src: string, offset: number): { line: number; column: number } {
  if (offset > src.length) offset = src.length;
  let line = 1;
  let lineStart = 0;
  if (src.lastIndexOf('\r', offset) < 0) {
    // LF only: let indexOf find the line ends (fast on a 50 MB file).
    for (let i = src.indexOf('\n'); i >= 0 && i < offset; i = src.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, column: offset - lineStart + 1 };
  }
  for (let i = 0; i < offset; i++) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 13) {
      // CR LF counts once; a lone CR (old Mac text) ends a line too.
      if (src.charCodeAt(i + 1) === 10) i++;
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The error for `reason` at `offset` of `src`. */
export function errorAt(src: string, file: string, offset: number, reason: string): CaseParseError {
  const { line, column } = lineColumn(src, offset);
  return new CaseParseError(file, line, column, reason);
}
