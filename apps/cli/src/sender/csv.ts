import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Splits one CSV line (RFC 4180 quoting; no line breaks inside fields). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Rows of a CSV file as objects keyed by the header, streamed (never the whole file in memory). */
export async function* readCsv(file: string): AsyncGenerator<{ line: number; row: Record<string, string> }> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let header: string[] | undefined;
  let n = 0;
  for await (const raw of lines) {
    n++;
    if (raw.trim() === '') continue;
    const fields = parseCsvLine(raw);
    if (!header) {
      header = fields.map((h) => h.trim());
      continue;
    }
    yield { line: n, row: Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ''])) };
  }
}
