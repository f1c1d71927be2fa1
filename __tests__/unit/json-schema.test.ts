/** Health schemas come in the drafts people write: draft-07 (the most common), 2019-09 and 2020-12. */
import { describe, expect, it } from '@jest/globals';
import { compileSchema } from '../../src/json-schema.js';

const body = (type: string) => ({ status: 'ok', database: { type } });

describe('compileSchema picks the draft by $schema', () => {
  it.each([
    [
      'draft-07',
      'http://json-schema.org/draft-07/schema#',
      { definitions: { db: { const: 'postgresql' } } },
      '#/definitions/db',
    ],
    [
      '2019-09',
      'https://json-schema.org/draft/2019-09/schema',
      { $defs: { db: { const: 'postgresql' } } },
      '#/$defs/db',
    ],
    [
      '2020-12',
      'https://json-schema.org/draft/2020-12/schema',
      { $defs: { db: { const: 'postgresql' } } },
      '#/$defs/db',
    ],
    ['no $schema (2020-12)', undefined, { $defs: { db: { const: 'postgresql' } } }, '#/$defs/db'],
  ])('%s', (_draft, $schema, defs, ref) => {
    const compiled = compileSchema({
      ...($schema ? { $schema } : {}),
      ...defs,
      type: 'object',
      required: ['database'],
      properties: { database: { type: 'object', properties: { type: { $ref: ref } } } },
    });
    expect(compiled).not.toHaveProperty('error');
    const { validate } = compiled as { validate: (data: unknown) => boolean };
    expect(validate(body('postgresql'))).toBe(true);
    expect(validate(body('sqlite'))).toBe(false);
  });

  it('names the drafts it knows when $schema is another', () => {
    const compiled = compileSchema({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' });
    expect(compiled).toEqual({ error: expect.stringMatching(/draft-04.*draft-07, 2019-09 or 2020-12/) });
  });
});
