/**
 * Deterministic benchmark data. Record i is derived from (SEED, i) alone, so
 * every worker can rebuild any record or id without sharing state, and the
 * vault and Dexie runs store byte-for-byte the same contacts.
 */
export const SEED = 0x5eed_2024;

/** Appears in the notes of about 1% of records, nowhere else: the search case's word. */
export const SEARCH_WORD = 'kestrel';
export const SEARCH_RATE = 0.01;

export interface Contact {
  name: string;
  organisation: string;
  email: string;
  phone: string;
  address: string;
  notes: string;
  tags: string[];
}

/** mulberry32: small, fast, good enough for test data (not for crypto). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes (seed, index) into an independent stream seed (murmur3 finalizer). */
function streamSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const FIRST = ['Ada', 'Bram', 'Chiara', 'Dmitri', 'Elif', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kemal', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tamsin', 'Ulla', 'Viktor', 'Wen', 'Yara', 'Zoltan'];
const LAST = ['Abara', 'Bianchi', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jansen', 'Kowalski', 'Lindqvist', 'Moreau', 'Nowak', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka', 'Urban', 'Varga', 'Weber', 'Yilmaz', 'Zhou'];
const ORG_A = ['North', 'Blue', 'Granite', 'Harbour', 'Silver', 'Oak', 'Summit', 'River', 'Prairie', 'Coastal'];
const ORG_B = ['Logistics', 'Health', 'Farms', 'Builders', 'Water', 'Energy', 'Textiles', 'Clinics', 'Transport', 'Foods'];
/** 100 organisations, so an equality filter on one of them hits about 1% of records. */
export const ORGANISATIONS: readonly string[] = ORG_A.flatMap((a) => ORG_B.map((b) => `${a} ${b} Ltd`));
/** The scan case's filter value. */
export const FILTER_ORGANISATION = ORGANISATIONS[37]!;
const STREETS = ['Harbour Road', 'Mill Lane', 'Station Street', 'Church Walk', 'Orchard Close', 'High Street', 'Bridge End', 'Canal Side'];
const TOWNS = ['Ashford', 'Brampton', 'Caldwell', 'Dunmore', 'Elmstead', 'Fairholme', 'Glenrock', 'Hollybank'];
const WORDS = ['visited', 'site', 'follow', 'up', 'requested', 'quote', 'delivery', 'delayed', 'contract', 'renewal', 'called', 'back', 'meeting', 'scheduled', 'inspection', 'passed', 'needs', 'parts', 'pump', 'replaced', 'invoice', 'sent', 'prefers', 'email', 'morning', 'access', 'gate', 'code', 'dog', 'on', 'premises', 'warehouse', 'north', 'entrance', 'manager', 'away', 'until', 'friday'];
const TAGS = ['customer', 'supplier', 'lead', 'vip', 'overdue', 'rural', 'urban', 'priority', 'new', 'dormant'];

/** The same UUID v4 shape crypto.randomUUID() gives, from the seeded stream. */
function uuid(r: () => number): string {
  let hex = '';
  for (let i = 0; i < 32; i++) {
    let d = Math.floor(r() * 16);
    if (i === 12) d = 4;
    if (i === 16) d = 8 | (d & 3);
    hex += d.toString(16);
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Id of record i (its own stream, so ids can be listed without building records). */
export const contactId = (i: number): string => uuid(prng(streamSeed(SEED ^ 0x1d, i)));

/** Record i: about 350 bytes as JSON; ~1% carry SEARCH_WORD in their notes. */
export function contact(i: number): Contact {
  const r = prng(streamSeed(SEED, i));
  const first = pick(r, FIRST);
  const last = pick(r, LAST);
  const organisation = pick(r, ORGANISATIONS);
  const domain = organisation.toLowerCase().replace(/ ltd$/, '').replace(/ /g, '-');
  const words: string[] = [];
  while (words.join(' ').length < 122) words.push(pick(r, WORDS));
  if (r() < SEARCH_RATE) words.splice(Math.floor(r() * words.length), 0, SEARCH_WORD);
  const digits = () => String(Math.floor(r() * 10_000)).padStart(4, '0');
  return {
    name: `${first} ${last}`,
    organisation,
    email: `${first}.${last}${Math.floor(r() * 100)}@${domain}.example`.toLowerCase(),
    phone: `+44 20 ${digits()} ${digits()}`,
    address: `${1 + Math.floor(r() * 200)} ${pick(r, STREETS)}, Unit ${1 + Math.floor(r() * 40)}, ${pick(r, TOWNS)} AB${10 + Math.floor(r() * 89)} ${digits().slice(0, 1)}CD`,
    notes: `${words.join(' ')}.`,
    tags: [pick(r, TAGS), pick(r, TAGS)].filter((t, k, a) => a.indexOf(t) === k),
  };
}

/** `count` distinct-or-not record indexes in [0, n), reproducible from `seed`. */
export function sampleIndexes(n: number, count: number, seed: number): number[] {
  const r = prng(seed);
  return Array.from({ length: count }, () => Math.floor(r() * n));
}

/** Deterministic pseudo-random bytes (incompressible, like a photo). */
export function fileBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, size >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    // xorshift32: fast enough to fill 20 MiB in a few tens of ms.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return out;
}

/** The matcher both sides use for the search case: same rule as the vault's (every word, any text field, case-insensitive substring). */
export function contactText(c: Contact): string {
  return `${c.name} ${c.organisation} ${c.email} ${c.phone} ${c.address} ${c.notes} ${c.tags.join(' ')}`.toLocaleLowerCase();
}

/** `count` distinct indexes in [0, n), reproducible from `seed` (partial Fisher–Yates). */
export function distinctSample(n: number, count: number, seed: number): number[] {
  if (count > n) throw new Error(`cannot pick ${count} distinct of ${n}`);
  const r = prng(seed);
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(r() * (n - k));
    const at = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(k) ?? k);
    out.push(at);
  }
  return out;
}

/**
 * The update cases' edit of record i in round `round`: two fields change
 * (a new phone number, a line added to the notes), the other five stay.
 * Derived from (i, round) alone, like the records.
 */
export function contactUpdate(i: number, round: number): Pick<Contact, 'phone' | 'notes'> {
  const r = prng(streamSeed(SEED ^ (0x0bd8 + round), i));
  const digits = () => String(Math.floor(r() * 10_000)).padStart(4, '0');
  return { phone: `+44 20 ${digits()} ${digits()}`, notes: `${contact(i).notes} Rev ${round + 1}: ${pick(r, WORDS)} ${pick(r, WORDS)}.` };
}
