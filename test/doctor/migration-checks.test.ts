import { describe, expect, it } from 'vitest';
import { doctor, healthy } from '../support/doctor.js';

describe('dcn doctor: the migration history', () => {
  it('fails on a failed migration and warns on a changed one', async () => {
    const db = await healthy();
    db.committed.history.get('4')!.CHECKSUM = 'not the file';
    expect((await doctor(db)).check('migrations')).toMatchObject({
      status: 'warn',
      summary: 'changed since applied: V4',
    });
    db.committed.history.get('5')!.SUCCESS = 0;
    expect((await doctor(db)).check('migrations')).toMatchObject({ status: 'fail', summary: 'failed: V5' });
  });
});
