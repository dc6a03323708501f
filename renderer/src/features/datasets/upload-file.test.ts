import { describe, expect, it } from 'vitest';
import { datasetNameFromFile, fileProblem, uploadErrorMessage } from './upload-file';

describe('upload helpers', () => {
  it('names a dataset after its file the way the CLI does', () => {
    expect(datasetNameFromFile('Churn Data (2024).csv')).toBe('Churn-Data-2024');
    expect(datasetNameFromFile('___.csv')).toBe('dataset');
  });

  it('refuses formats the server cannot tell from the extension', () => {
    expect(fileProblem({ name: 'table.tsv', size: 10 })).toMatch(/reads \.csv/);
    expect(fileProblem({ name: 'empty.csv', size: 0 })).toMatch(/empty/);
    expect(fileProblem({ name: 'ok.JSONL', size: 10 })).toBeNull();
  });

  it('replaces the server’s temporary path with the file the user picked', () => {
    expect(uploadErrorMessage('/tmp/mldesk-upload-aoCs6d/bad.csv: line 3: ragged row: it has 1 field but the header has 2.', 'bad.csv')).toBe(
      'bad.csv: line 3: ragged row: it has 1 field but the header has 2.',
    );
    expect(uploadErrorMessage('C:\\Users\\a\\AppData\\Local\\Temp\\mldesk-upload-x1\\b.csv: the file is empty.', 'b.csv')).toBe('b.csv: the file is empty.');
  });
});
