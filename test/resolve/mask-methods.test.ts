import { describe, expect, it } from 'vitest';
import { applyMask, MASK_METHODS, METHOD_ACCEPTS, methodAccepts, strictnessRank, type MaskMethod } from '../../src/resolve/mask-methods.js';
import { NEUTRAL_TYPES, type NeutralType } from '../../src/model/neutral-types.js';

// SHA-256 vectors computed independently (Python hashlib), not with node:crypto.
const SHA = {
  abc: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  empty: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  zoe: 'c6a12698582fc1104ea24107a2d7268145ff06ef859707729d01fd060897f067', // 'Zoë', ë precomposed
  nobody: '6382b3cc881412b77bfcaeed026001c00d9e3025e66c20f6e7e92f079851462a',
  digits: '03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4', // '1234'
  emoji4: '4e3ede46a912f97cb0a9dbdad20cc34695500bb17acdad5e58448259906f9605', // four U+1F600
  ab: 'fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603',
};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const mask = (method: MaskMethod, value: unknown, type: NeutralType = 'string', keep_last?: number) => applyMask(method, keep_last === undefined ? {} : { keep_last }, value, type);

describe('which methods accept which column types', () => {
  it('follows the product table', () => {
    const accepted = (m: MaskMethod) => NEUTRAL_TYPES.filter((t) => methodAccepts(m, t));
    expect(accepted('nullify')).toEqual([...NEUTRAL_TYPES]);
    expect(accepted('redact')).toEqual(['string', 'number', 'boolean', 'date', 'timestamp', 'binary', 'json']);
    expect(accepted('hash')).toEqual(['string', 'binary']);
    expect(accepted('partial')).toEqual(['string']);
    expect(accepted('email_domain')).toEqual(['string']);
    expect(accepted('year_only')).toEqual(['date', 'timestamp']);
    expect(METHOD_ACCEPTS.nullify).toBe('any');
  });

  it('refuses to apply a method to a type it does not accept', () => {
    expect(() => mask('hash', 5, 'number')).toThrow('mask method hash does not accept a number column');
    expect(() => mask('year_only', 'x', 'string')).toThrow(TypeError);
    expect(() => mask('redact', 'x', 'other')).toThrow(TypeError);
  });
});

describe('strictnessRank', () => {
  it('orders nullify > redact > hash > partial = email_domain = year_only > clear', () => {
    expect(['nullify', 'redact', 'hash', 'partial', 'email_domain', 'year_only', 'clear'].map((m) => strictnessRank(m as MaskMethod | 'clear'))).toEqual([4, 3, 2, 1, 1, 1, 0]);
  });
});

describe('NULL stays NULL', () => {
  it('for every method on every type it accepts', () => {
    let checked = 0;
    for (const method of MASK_METHODS) {
      for (const type of NEUTRAL_TYPES) {
        if (!methodAccepts(method, type)) continue;
        expect(applyMask(method, {}, null, type), `${method} on ${type}`).toBeNull();
        expect(applyMask(method, {}, undefined, type), `${method} on ${type}`).toBeNull();
        checked++;
      }
    }
    expect(checked).toBe(8 + 7 + 2 + 1 + 1 + 2);
  });
});

describe('nullify', () => {
  it('gives NULL for any value', () => {
    expect(mask('nullify', 'secret')).toBeNull();
    expect(mask('nullify', 42, 'number')).toBeNull();
    expect(mask('nullify', { a: 1 }, 'other')).toBeNull();
  });
});

describe('redact', () => {
  it("gives the type's default", () => {
    expect(mask('redact', 'secret', 'string')).toBe('');
    expect(mask('redact', 42.5, 'number')).toBe(0);
    expect(mask('redact', true, 'boolean')).toBe(false);
    expect(mask('redact', '2024-07-15', 'date')).toBe('1970-01-01');
    expect(mask('redact', new Date(), 'timestamp')).toEqual(new Date(0));
    expect((mask('redact', new Date(), 'timestamp') as Date).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    const bytes = mask('redact', new Uint8Array([1, 2, 3]), 'binary');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect((bytes as Uint8Array).length).toBe(0);
    expect(mask('redact', { secret: true }, 'json')).toBeNull();
  });
});

describe('hash', () => {
  it('is the lowercase hex SHA-256 of the UTF-8 bytes', () => {
    expect(mask('hash', 'abc')).toBe(SHA.abc);
    expect(mask('hash', '')).toBe(SHA.empty);
    expect(mask('hash', 'Zoë')).toBe(SHA.zoe);
    expect(mask('hash', 'abc')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the 32-byte digest for binary', () => {
    const digest = mask('hash', new TextEncoder().encode('abc'), 'binary') as Uint8Array;
    expect(digest).toBeInstanceOf(Uint8Array);
    expect(digest.length).toBe(32);
    expect(hex(digest)).toBe(SHA.abc);
    expect(hex(mask('hash', Buffer.from('abc'), 'binary') as Uint8Array)).toBe(SHA.abc);
  });
});

describe('partial', () => {
  it("keeps the last 4 characters after 'XXXXX' by default", () => {
    expect(mask('partial', '+44 20 7946 0958')).toBe('XXXXX0958');
    expect(mask('partial', '12345')).toBe('XXXXX2345');
  });

  it('hashes values not longer than keep_last', () => {
    expect(mask('partial', '1234')).toBe(SHA.digits);
    expect(mask('partial', 'ab')).toBe(SHA.ab);
    expect(mask('partial', '')).toBe(SHA.empty);
    expect(mask('partial', 'abc', 'string', 3)).toBe(SHA.abc);
    expect(mask('partial', 'abcd', 'string', 3)).toBe('XXXXXbcd');
  });

  it('honours keep_last from 1 to 16 and refuses others', () => {
    expect(mask('partial', 'abcdef', 'string', 1)).toBe('XXXXXf');
    expect(mask('partial', 'abcdefghijklmnopq', 'string', 16)).toBe('XXXXXbcdefghijklmnopq');
    expect(() => mask('partial', 'abcdef', 'string', 0)).toThrow(RangeError);
    expect(() => mask('partial', 'abcdef', 'string', 17)).toThrow(RangeError);
    expect(() => mask('partial', 'abcdef', 'string', 2.5)).toThrow(RangeError);
  });

  it('counts Unicode code points, not UTF-16 units', () => {
    expect(mask('partial', 'Zoë@exämple.de')).toBe('XXXXXe.de');
    expect(mask('partial', 'ab😀😀', 'string', 2)).toBe('XXXXX😀😀');
    expect(mask('partial', '😀😀😀😀')).toBe(SHA.emoji4); // 4 code points, 8 UTF-16 units: not longer than 4
    expect(mask('partial', '😀😀😀😀', 'string', 3)).toBe('XXXXX😀😀😀');
    // A decomposed ë is two code points (e + U+0308); no grapheme clustering.
    expect(mask('partial', 'abcde\u0308', 'string', 2)).toBe('XXXXXe\u0308');
  });
});

describe('email_domain', () => {
  it("keeps the part after the last '@'", () => {
    expect(mask('email_domain', 'zoe@example.com')).toBe('XXXXX@example.com');
    expect(mask('email_domain', 'Zoë@exämple.de')).toBe('XXXXX@exämple.de');
    expect(mask('email_domain', '"a@b"@c.example')).toBe('XXXXX@c.example');
    expect(mask('email_domain', 'a@b@c.com')).toBe('XXXXX@c.com');
    expect(mask('email_domain', 'trailing@')).toBe('XXXXX@');
    expect(mask('email_domain', '@only')).toBe('XXXXX@only');
  });

  it("hashes a value without '@'", () => {
    expect(mask('email_domain', 'nobody')).toBe(SHA.nobody);
    expect(mask('email_domain', '')).toBe(SHA.empty);
  });
});

describe('year_only', () => {
  it('gives 1 January of the year for dates, as YYYY-MM-DD', () => {
    expect(mask('year_only', '2024-07-15', 'date')).toBe('2024-01-01');
    expect(mask('year_only', new Date(Date.UTC(1999, 11, 31)), 'date')).toBe('1999-01-01');
    expect(mask('year_only', '0099-05-05', 'date')).toBe('0099-01-01');
  });

  it('gives 1 January 00:00:00 UTC of the year for timestamps', () => {
    expect(mask('year_only', new Date(Date.UTC(2024, 6, 15, 10, 30, 5, 123)), 'timestamp')).toEqual(new Date(Date.UTC(2024, 0, 1)));
    expect((mask('year_only', '2024-07-15 10:30:05.123456', 'timestamp') as Date).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    // The year is taken in UTC: 00:30 on 1 Jan at +02:00 is still 2023 in UTC.
    expect((mask('year_only', '2024-01-01T00:30:00+02:00', 'timestamp') as Date).toISOString()).toBe('2023-01-01T00:00:00.000Z');
    expect((mask('year_only', '0099-05-05 00:00:00', 'timestamp') as Date).toISOString()).toBe('0099-01-01T00:00:00.000Z');
  });

  it('refuses values that are not dates', () => {
    expect(() => mask('year_only', 'July 2024', 'date')).toThrow(TypeError);
    expect(() => mask('year_only', new Date(NaN), 'timestamp')).toThrow(TypeError);
  });
});
