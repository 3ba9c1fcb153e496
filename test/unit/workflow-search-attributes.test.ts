import { describe, expect, it } from 'vitest';
import { tenantsAttributeValue } from '../../workflows/search-attributes';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('LakehouseTenants search attribute value', () => {
  it('lists every tenant of a small fleet, sorted', () => {
    expect(tenantsAttributeValue([id(3), id(1), id(2)])).toEqual([id(1), id(2), id(3)]);
  });

  it('stays under the 2 KB attribute limit for 100 tenants, keeping the first IDs in order', () => {
    const all = Array.from({ length: 100 }, (_, i) => id(100 - i));
    const value = tenantsAttributeValue(all);
    expect(value).toHaveLength(46);
    expect(value).toEqual(Array.from({ length: 46 }, (_, i) => id(i + 1)));
    expect(Buffer.byteLength(JSON.stringify(value))).toBe(1795);
  });
});
