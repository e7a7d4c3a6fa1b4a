import { describe, expect, it } from 'vitest';
import { databaseLabel } from '../../src-shared/database-label';

describe("the header's name for the database", () => {
  it("is a file's name, or a PostgreSQL database's name and server, never its options", () => {
    expect(databaseLabel('/home/ana/.local/share/runboard/runboard.db')).toBe('runboard.db');
    expect(databaseLabel('C:\\Users\\ana\\runs.db')).toBe('runs.db');
    expect(databaseLabel('postgres://ana:***@db.lab.example:5432/runboard?sslmode=require')).toBe('runboard on db.lab.example:5432');
    expect(databaseLabel('postgresql://ana@db.lab.example/team%20runs')).toBe('team runs on db.lab.example');
    expect(databaseLabel('postgres://postgres@/lab?host=/tmp/pg-x&port=55432')).toBe('lab');
  });
});
