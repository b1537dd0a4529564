/** Invented company names, domains, regions and industries for demo accounts. */
import type { Random } from './random.ts';

export const REGIONS: readonly (readonly [string, number])[] = [
  ['North America', 0.45],
  ['EMEA', 0.3],
  ['APAC', 0.15],
  ['LATAM', 0.1],
];

/** Country-code domains make the demo look like a real multi-region book of business. */
const REGION_TLDS: Readonly<Record<string, readonly string[]>> = {
  'North America': ['com', 'com', 'com', 'io', 'ca'],
  EMEA: ['com', 'co.uk', 'de', 'fr', 'nl', 'io'],
  APAC: ['com', 'com.au', 'sg', 'co.jp', 'in'],
  LATAM: ['com', 'com.br', 'mx', 'cl'],
};

const INDUSTRY_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  Software: ['Labs', 'Software', 'Systems', 'Cloud'],
  'Financial Services': ['Capital', 'Financial', 'Partners', 'Payments'],
  Healthcare: ['Health', 'Medical', 'Care', 'Clinics'],
  Retail: ['Retail', 'Goods', 'Outfitters', 'Market'],
  Manufacturing: ['Manufacturing', 'Industries', 'Components', 'Fabrication'],
  Education: ['Learning', 'Academy', 'Education'],
  Media: ['Media', 'Studios', 'Publishing'],
  'Professional Services': ['Consulting', 'Advisors', 'Group'],
  Logistics: ['Logistics', 'Freight', 'Transport'],
  Nonprofit: ['Foundation', 'Alliance', 'Trust'],
};

export const INDUSTRIES: readonly string[] = Object.keys(INDUSTRY_SUFFIXES);

const NAME_STARTS = [
  'North', 'Blue', 'Iron', 'Silver', 'Bright', 'Cedar', 'Harbor', 'Summit', 'Pine', 'Red',
  'Granite', 'Clear', 'Swift', 'Golden', 'Maple', 'Stone', 'River', 'Oak', 'Sky', 'Atlas',
  'Nova', 'Polar', 'Copper', 'Lumen', 'Vertex', 'Echo', 'Quartz', 'Sun', 'Willow', 'Falcon',
] as const;

const NAME_ENDS = [
  'wind', 'field', 'bridge', 'line', 'path', 'point', 'works', 'gate', 'stone', 'wave',
  'forge', 'crest', 'light', 'peak', 'leaf', 'port', 'ridge', 'brook', 'view', 'spark',
] as const;

export interface CompanyIdentity {
  readonly name: string;
  readonly domain: string;
}

/**
 * Draws a company name unique within `taken`. Names come from a ~2,000-combination space, so a
 * few retries almost always find a free one; a numeric suffix settles the rare remainder.
 */
export function drawCompany(random: Random, industry: string, region: string, taken: Set<string>): CompanyIdentity {
  const suffixes = INDUSTRY_SUFFIXES[industry] ?? ['Group'];
  let name = '';
  for (let attempt = 0; attempt < 8; attempt += 1) {
    name = `${random.pick(NAME_STARTS)}${random.pick(NAME_ENDS)} ${random.pick(suffixes)}`;
    if (!taken.has(name)) break;
  }
  const base = name;
  for (let n = 2; taken.has(name); n += 1) name = `${base} ${n}`;
  taken.add(name);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const tld = random.pick(REGION_TLDS[region] ?? ['com']);
  return { name, domain: `${slug}.${tld}` };
}
