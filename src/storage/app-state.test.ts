import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../test/support/test-database.ts';
import { appStateStore } from './app-state.ts';

const OffsetSchema = z.object({ offset: z.string().nullable() });

describe.each(ENGINES)('app state on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('stores one JSON value per key and overwrites it', async () => {
    const state = appStateStore(database.db);
    expect(await state.get('journal', OffsetSchema)).toBeNull();
    await state.set('journal', { offset: 'off-1' });
    await state.set('journal', { offset: 'off-2' });
    expect(await state.get('journal', OffsetSchema)).toEqual({ offset: 'off-2' });
    await state.remove('journal');
    expect(await state.get('journal', OffsetSchema)).toBeNull();
  });

  it('reads a value of an outdated shape as absent', async () => {
    const state = appStateStore(database.db);
    await state.set('old', { position: 42 });
    expect(await state.get('old', OffsetSchema)).toBeNull();
  });
});
