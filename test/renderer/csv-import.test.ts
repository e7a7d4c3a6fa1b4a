import { describe, expect, it } from 'vitest';
import { csvFileProblem } from '../../src-renderer/lib/csv-import';

describe('a CSV file before it is offered for import', () => {
  it('is refused at once when empty or when it holds a header row and no data', () => {
    expect(csvFileProblem('')).toMatch(/empty/);
    expect(csvFileProblem(' \n\r\n')).toMatch(/empty/);
    expect(csvFileProblem('\uFEFF')).toMatch(/empty/);
    expect(csvFileProblem('a,b,label\n')).toMatch(/header row but no data rows/);
    expect(csvFileProblem('a,b,label\r\n\r\n')).toMatch(/header row but no data rows/);
    expect(csvFileProblem('"a\nb",c\n')).toMatch(/header row but no data rows/);
  });

  it('leaves every other check to the host, which names the line and column', () => {
    expect(csvFileProblem('a,b,label\n1,2,x\n')).toBeNull();
    expect(csvFileProblem('a,b,label\n1,2')).toBeNull();
    expect(csvFileProblem('\n\na,b,label\n1,2,x\n'), 'blank lines before the header: the host decides').toBeNull();
  });
});
