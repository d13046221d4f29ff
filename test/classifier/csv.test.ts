import { CsvError, parseCsv, parseLabelledCsv } from '../../lib/classifier';

describe('parseCsv', () => {
  test('quoted fields keep commas, doubled quotes and line breaks', () => {
    const text = 'text,category\n"Hello, world",greeting\n"She said ""hi""",quote\n"two\nlines",multi\n';
    expect(parseCsv(text)).toEqual([
      ['text', 'category'],
      ['Hello, world', 'greeting'],
      ['She said "hi"', 'quote'],
      ['two\nlines', 'multi'],
    ]);
  });

  test('CRLF line ends, a byte order mark, blank lines and a missing final line end', () => {
    expect(parseCsv('\ufefftext,label\r\n\r\na,b\r\nc,d')).toEqual([
      ['text', 'label'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  test('empty fields and a quoted empty field', () => {
    expect(parseCsv('a,,c\n"",x,\n')).toEqual([
      ['a', '', 'c'],
      ['', 'x', ''],
    ]);
  });

  test.each([
    ['an unclosed quote, naming the line it opened on', 'text,label\na,b\n"open,c\nmore', /line 3: a quoted field is never closed/],
    ['text after a closing quote', 'text,label\n"a"b,c', /line 2: a quoted field must end at a comma/],
    ['a quote inside an unquoted field', 'text,label\nab"c,d', /line 2: a quote inside an unquoted field/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseCsv(text)).toThrow(CsvError);
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe('parseLabelledCsv', () => {
  test('reads text and category, or text and label, whatever their order and case; other columns are ignored', () => {
    expect(parseLabelledCsv('id,Category,Text\n1,faq," Where is my order? "\n')).toEqual([{ text: ' Where is my order? ', label: 'faq' }]);
    expect(parseLabelledCsv('text,label\nhi,greeting\n')).toEqual([{ text: 'hi', label: 'greeting' }]);
  });

  test.each([
    ['an empty file', '', /empty; it needs a header row/],
    ['a header without a label column', 'text,tier\na,b\n', /must name the columns text and category \(or label\)/],
    ['a header without examples', 'text,label\n', /no examples/],
    ['a row with a missing field', 'text,label\na,b\nc\n', /row 2 .*: 1 fields, the header has 2/],
    ['an empty text', 'text,label\n"  ",b\n', /row 1 .*: the text is empty/],
    ['an empty label', 'text,label\nhello,\n', /row 1 .*: the label is empty/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseLabelledCsv(text)).toThrow(message);
  });
});
