/** POSIX shell quoting for paths interpolated into `run:` commands (quotes only when needed). */
export function shellQuote(text: string): string {
  if (text !== '' && /^[A-Za-z0-9_/.:,=+@%-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
