import { IDENTIFIER, OCCUPATION, PLATFORM_ID, REGION } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine, csvStream, wantsCsv } from './csv';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('csv', () => {
  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(1.5)).toBe('1.5');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField([{ note: 'x,"y"' }])).toBe('"[{""note"":""x,\\""y\\""""}]"');
    expect(csvLine(['a', 'b,c', 3])).toBe('a,"b,c",3\r\n');
  });

  it('streams a header row and then every row, in chunks', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: `r${i}`, n: i }));
    const out = await text(csvStream(['id', 'n'], rows, (r) => [r.id, r.n]));
    const lines = out.split('\r\n');
    expect(lines[0]).toBe('id,n');
    expect(lines[5000]).toBe('r4999,4999');
    expect(lines).toHaveLength(5002); // header, rows, empty after the final CRLF
  });

  it('streams rows from an async iterable', async () => {
    async function* gen() {
      yield { a: 1 };
      yield { a: 2 };
    }
    expect(await text(csvStream(['a'], gen(), (r) => [r.a]))).toBe('a\r\n1\r\n2\r\n');
  });

  it('an empty result is just the header row', async () => {
    expect(await text(csvStream(['a', 'b'], [], () => []))).toBe('a,b\r\n');
  });

  it('negotiates: format wins, then the preferred of text/csv and JSON in Accept', () => {
    expect(wantsCsv('csv', 'application/json')).toBe(true);
    expect(wantsCsv('json', 'text/csv')).toBe(false);
    expect(wantsCsv(undefined, undefined)).toBe(false);
    expect(wantsCsv(undefined, 'text/csv')).toBe(true);
    expect(wantsCsv(undefined, 'text/csv;q=0.5, application/json')).toBe(false);
    expect(wantsCsv(undefined, 'application/json;q=0.4, text/csv;q=0.9')).toBe(true);
    expect(wantsCsv(undefined, 'text/csv, application/json')).toBe(true);
    expect(wantsCsv(undefined, '*/*')).toBe(false);
    expect(wantsCsv(undefined, 'text/html')).toBe(false);
    expect(wantsCsv(undefined, 'text/csv;q=0')).toBe(false);
    expect(wantsCsv(undefined, 'text/csv;Q=0, application/json')).toBe(false); // found in review
  });
});

describe('csv and spreadsheets', () => {
  // Decided (stop 21): cells are written verbatim, as RFC 4180 says, and never prefixed with "'" (the
  // OWASP fix for "CSV injection"), because the CSV is read by programs as much as by spreadsheets, and a
  // prefixed id is another id to a program. The harm is bounded by the id patterns: a spreadsheet shows
  // a learnerId "-A1" as =-A1 (a reference) or "-1" as a number, but no id can hold the characters a
  // function call or a DDE payload needs, and free text (notes, evidence) sits inside JSON columns,
  // which start with '['. The API README tells statisticians to import the file as text.
  it('an id starting with "-" is written verbatim, not prefixed', () => {
    expect(csvLine(['-A1', 1.5])).toMatch(/^-A1,1\.5/);
  });

  it('no id pattern admits a character a spreadsheet function call or DDE payload needs', () => {
    const needed = ['(', ')', '|', '=', '+', '@', '"', "'", '!', ' ', '\t', '\r'];
    for (const [name, pattern] of Object.entries({ IDENTIFIER, PLATFORM_ID, OCCUPATION, REGION })) {
      for (const c of needed)
        expect(pattern.test(`a${c}b`) || pattern.test(c), `${name} admits ${JSON.stringify(c)}`).toBe(false);
    }
  });
});
