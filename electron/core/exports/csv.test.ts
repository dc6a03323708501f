import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, csvTime } from './csv.js';

describe('csvCell / csvRow (RFC 4180)', () => {
  it('quotes fields holding a comma, a quote, CR or LF, doubling the quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvRow(['a', 1, null, undefined, true])).toBe('a,1,,,true\r\n');
  });

  it('round-trips through a strict RFC 4180 parser', () => {
    const values = ['x,y', '"quoted"', 'multi\r\nline', ' spaced ', 'ünïcode ✓', '', 'tab\there'];
    const text = csvRow(values) + csvRow(['1', '2', '3', '4', '5', '6', '7']);
    expect(parse(text, { relax_quotes: false })).toEqual([values, ['1', '2', '3', '4', '5', '6', '7']]);
  });

  it('guards text that a spreadsheet would run as a formula with a leading quote', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+cmd')).toBe("'+cmd");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
  });

  it('leaves numbers alone, negative ones and number-like text included', () => {
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell('-0.5')).toBe('-0.5');
    expect(csvCell('+3e-4')).toBe('+3e-4');
    expect(csvCell('-.25')).toBe('-.25');
    expect(csvCell(Number.NaN)).toBe('NaN');
    expect(csvCell(-Infinity)).toBe('-Infinity');
  });

  it('writes times as ISO 8601 UTC', () => {
    expect(csvTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(csvTime(null)).toBe('');
  });
});
