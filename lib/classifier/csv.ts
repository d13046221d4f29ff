/**
 * Labelled examples from CSV (RFC 4180): a header row, fields separated by commas, quoted fields
 * may hold commas, doubled quotes and line breaks; CRLF or LF line ends; a UTF-8 byte order mark
 * is ignored.
 */

/** Bad CSV input: the message names the line and, where it applies, the column. */
export class CsvError extends RangeError {
  public override readonly name = 'CsvError';
}

/** The rows of a CSV document, the header included. A blank line is no row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let fieldStartLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    // A line with nothing on it is not a row of one empty field.
    if (!(row.length === 1 && row[0] === '' && !quoted)) {
      rows.push(row);
    }
    row = [];
    field = '';
  };
  while (i < text.length) {
    const char = text[i];
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new CsvError(`line ${line}: a quoted field must end at a comma or the end of the line, found ${JSON.stringify(next)}`);
        }
        continue;
      }
      if (char === '\n') {
        line++;
      }
      field += char;
      i++;
      continue;
    }
    if (char === '"') {
      if (field !== '') {
        throw new CsvError(`line ${line}: a quote inside an unquoted field; quote the whole field and double the quote`);
      }
      quoted = true;
      fieldStartLine = line;
      i++;
    } else if (char === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (char === '\r' || char === '\n') {
      endRow();
      i += char === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    } else {
      field += char;
      i++;
    }
  }
  if (quoted) {
    throw new CsvError(`line ${fieldStartLine}: a quoted field is never closed`);
  }
  if (field !== '' || row.length > 0) {
    endRow();
  }
  return rows;
}

export interface LabelledExample {
  readonly text: string;
  readonly label: string;
}

/** Column names accepted for the label, in order of preference. */
export const LABEL_COLUMNS = ['category', 'label'] as const;

/**
 * The examples of a labelled CSV document: a `text` column and a `category` or `label` column
 * (names matched case-insensitively, other columns ignored). Every row needs both values.
 */
export function parseLabelledCsv(text: string): LabelledExample[] {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) {
    throw new CsvError('the file is empty; it needs a header row with the columns text and category (or label)');
  }
  const names = header.map((name) => name.trim().toLowerCase());
  const textColumn = names.indexOf('text');
  const labelColumn = LABEL_COLUMNS.map((name) => names.indexOf(name)).find((index) => index >= 0) ?? -1;
  if (textColumn < 0 || labelColumn < 0) {
    throw new CsvError(`the header must name the columns text and category (or label), got ${JSON.stringify(header)}`);
  }
  if (rows.length === 0) {
    throw new CsvError('the file has a header but no examples');
  }
  return rows.map((row, index) => {
    const rowName = `row ${index + 1} (after the header)`;
    if (row.length !== header.length) {
      throw new CsvError(`${rowName}: ${row.length} fields, the header has ${header.length}`);
    }
    const example = { text: row[textColumn], label: row[labelColumn].trim() };
    if (example.text.trim() === '') {
      throw new CsvError(`${rowName}: the text is empty`);
    }
    if (example.label === '') {
      throw new CsvError(`${rowName}: the ${header[labelColumn]} is empty`);
    }
    return example;
  });
}
