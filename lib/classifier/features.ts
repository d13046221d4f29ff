/**
 * Text to sparse features, hashed to 32 bits so a model stores numbers rather than a vocabulary
 * of strings:
 * - the word block: word stems, pairs of adjacent stems, and unordered pairs of stems a few words
 *   apart (intents are often two words together: "card" with "arrive", "top up" with "failed",
 *   which single words cannot express in a linear model);
 * - the character block: character n-grams inside each word (padded with a space each side), which
 *   carry typos, inflections and compounds.
 * The low bit of a hash names its block (0 words, 1 characters): each block is normalized on its
 * own, so long words do not drown the word features.
 */

export interface FeatureOptions {
  /**
   * Characters of the text read: the opening of a request says what it is about, and the cost of
   * a decision grows with the text.
   */
  readonly maxInputCharacters: number;
  /** Longest run of adjacent words: 1 (words) or 2 (words and adjacent pairs). */
  readonly wordNgrams: number;
  /** Unordered pairs of words 2 to this many words apart (adjacent ones are the bigrams); below 2 turns them off. */
  readonly wordPairWindow: number;
  /** Shortest character n-gram; 0 turns the character block off. */
  readonly charNgramMin: number;
  /** Longest character n-gram. */
  readonly charNgramMax: number;
  /** Weight of the character block against the word block (both normalized to length 1). */
  readonly charWeight: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  maxInputCharacters: 500,
  wordNgrams: 2,
  wordPairWindow: 8,
  charNgramMin: 2,
  charNgramMax: 5,
  charWeight: 1,
};

const FNV_PRIME = 0x01000193;
const WORD_SEED = 0x811c9dc5;
const BIGRAM_SEED = 0x9e3779b9;
const PAIR_SEED = 0x27d4eb2f;
const CHAR_SEED = 0x85ebca6b;
/** Letters and digits, keeping an apostrophe inside a word (`don't`). */
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;
/** Suffixes stripped from words of five letters or more, longest first. */
const SUFFIXES = ['ational', 'ization', 'ations', 'ation', 'ments', 'ment', 'ness', 'ings', 'ing', 'edly', 'ies', 'ers', 'ed', 'es', 'er', 'ly', 's'];
const MIN_STEM = 3;

/** The words of a text as the features see them: NFKC, lowercase, straight apostrophes, every digit as 0. */
export function tokenize(text: string, maxInputCharacters: number): string[] {
  const normalized = text
    .slice(0, maxInputCharacters)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\u2019/g, "'")
    .replace(/\p{Nd}/gu, '0');
  return normalized.match(WORD) ?? [];
}

/**
 * A light suffix stripper rather than a full stemmer: `arrived`, `arrives`, `arriving` become
 * `arriv`, so one example of a form teaches the others. Consistency matters, not linguistics.
 */
export function stem(word: string): string {
  if (word.length < 5) {
    return word;
  }
  for (const suffix of SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= MIN_STEM && !(suffix === 's' && word.endsWith('ss'))) {
      const stripped = word.slice(0, word.length - suffix.length);
      return stripped.length > MIN_STEM && stripped.endsWith('e') ? stripped.slice(0, -1) : stripped;
    }
  }
  return word.length > MIN_STEM + 1 && word.endsWith('e') ? word.slice(0, -1) : word;
}

/** Murmur3's finalizer: FNV's low bits are weak, and the low bit names the block. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  }
  return h;
}

function combine(seed: number, a: number, b: number): number {
  return Math.imul(Math.imul(seed ^ a, FNV_PRIME) ^ b, FNV_PRIME);
}

/** Whether a feature hash belongs to the character block. */
export function isCharFeature(feature: number): boolean {
  return (feature & 1) === 1;
}

function wordFeature(h: number): number {
  return (mix(h) & ~1) >>> 0;
}

function add(counts: Map<number, number>, feature: number): void {
  counts.set(feature, (counts.get(feature) ?? 0) + 1);
}

/** Feature hash -> how often it occurs in the text. */
export function extractFeatures(text: string, options: FeatureOptions): Map<number, number> {
  const counts = new Map<number, number>();
  const words = tokenize(text, options.maxInputCharacters);
  const stems = words.map((word) => fnv(WORD_SEED, stem(word)));
  for (let i = 0; i < stems.length; i++) {
    const h = stems[i];
    add(counts, wordFeature(h));
    if (options.wordNgrams >= 2 && i > 0) {
      add(counts, wordFeature(combine(BIGRAM_SEED, stems[i - 1], h)));
    }
    // Unordered: "card ... arrive" and "arrive ... card" are one feature.
    for (let back = 2; back <= options.wordPairWindow && back <= i; back++) {
      const other = stems[i - back];
      add(counts, wordFeature(other < h ? combine(PAIR_SEED, other, h) : combine(PAIR_SEED, h, other)));
    }
    if (options.charNgramMin > 0) {
      addCharNgrams(counts, words[i], options.charNgramMin, options.charNgramMax);
    }
  }
  return counts;
}

function addCharNgrams(counts: Map<number, number>, word: string, min: number, max: number): void {
  const padded = ` ${word} `;
  for (let start = 0; start + min <= padded.length; start++) {
    let h = CHAR_SEED;
    const end = Math.min(padded.length, start + max);
    for (let i = start; i < end; i++) {
      h = Math.imul(h ^ padded.charCodeAt(i), FNV_PRIME);
      if (i - start + 1 >= min) {
        add(counts, (mix(h) | 1) >>> 0);
      }
    }
  }
}
