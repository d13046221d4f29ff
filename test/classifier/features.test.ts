import { DEFAULT_FEATURE_OPTIONS, extractFeatures, isCharFeature, stem, tokenize } from '../../lib/classifier';
import { weighTerms } from '../../lib/classifier/tf-idf';

const WORDS_ONLY = { ...DEFAULT_FEATURE_OPTIONS, wordNgrams: 1, wordPairWindow: 0, charNgramMin: 0, charNgramMax: 0 };

describe('tokenize', () => {
  test('lowercases, keeps apostrophes inside words, straightens curly ones, and writes every digit as 0', () => {
    expect(tokenize("I can’t find order #4821, it's LATE!", 1000)).toEqual(['i', "can't", 'find', 'order', '0000', "it's", 'late']);
  });

  test('NFKC folds compatibility forms (full-width letters, ligatures)', () => {
    expect(tokenize('Ｃａｒｄ ﬁne', 1000)).toEqual(['card', 'fine']);
  });

  test('letters of any script are words; punctuation and emoji are not', () => {
    expect(tokenize('Où est ma carte? 🙂 дебетовая — карта', 1000)).toEqual(['où', 'est', 'ma', 'carte', 'дебетовая', 'карта']);
  });

  test('reads only the first maxInputCharacters characters', () => {
    expect(tokenize('alpha beta gamma', 8)).toEqual(['alpha', 'be']);
  });
});

describe('stem', () => {
  test.each([
    ['arrived', 'arriv'],
    ['arriving', 'arriv'],
    ['arrives', 'arriv'],
    ['arrive', 'arriv'],
    ['payments', 'pay'],
    ['charges', 'charg'],
    ['charged', 'charg'],
    ['verification', 'verific'],
    ['access', 'access'],
    ['card', 'card'],
    ['fees', 'fees'],
  ])('%s -> %s', (word, stemmed) => {
    expect(stem(word)).toBe(stemmed);
  });
});

describe('extractFeatures', () => {
  test('counts repeated words and maps inflections to one feature', () => {
    const features = extractFeatures('card cards card', WORDS_ONLY);
    expect([...features.values()]).toEqual([3]);
  });

  test('word pairs are unordered and limited to the window', () => {
    const options = { ...WORDS_ONLY, wordPairWindow: 3 };
    const pairsOf = (text: string) => {
      const single = new Set(text.split(' ').flatMap((word) => [...extractFeatures(word, WORDS_ONLY).keys()]));
      return [...extractFeatures(text, options).keys()].filter((feature) => !single.has(feature));
    };
    // "card x arrive": one pair (card, arrive) two words apart; reversed, the same pair.
    expect(pairsOf('card x arrive')).toHaveLength(1);
    expect(pairsOf('card x arrive')).toEqual(pairsOf('arrive x card'));
    // Four words apart is beyond a window of 3.
    expect(pairsOf('card a b c arrive').filter((pair) => pairsOf('card x arrive').includes(pair))).toEqual([]);
  });

  test('adjacent words give an ordered bigram', () => {
    const options = { ...WORDS_ONLY, wordNgrams: 2 };
    const bigram = (text: string) => [...extractFeatures(text, options).keys()].filter((feature) => !extractFeatures(text.split(' ')[0], WORDS_ONLY).has(feature) && !extractFeatures(text.split(' ')[1], WORDS_ONLY).has(feature));
    expect(bigram('top up')).toHaveLength(1);
    expect(bigram('top up')).not.toEqual(bigram('up top'));
  });

  test('character n-grams inside each padded word go to the character block', () => {
    const options = { ...WORDS_ONLY, charNgramMin: 2, charNgramMax: 3 };
    const features = extractFeatures('ab', options);
    // " ab " has 3 bigrams and 2 trigrams; the word itself is one word feature.
    expect([...features.keys()].filter(isCharFeature)).toHaveLength(5);
    expect([...features.keys()].filter((feature) => !isCharFeature(feature))).toHaveLength(1);
  });

  test('the same text always gives the same hashes', () => {
    const text = 'How long does delivery to Canada take?';
    expect([...extractFeatures(text, DEFAULT_FEATURE_OPTIONS)]).toEqual([...extractFeatures(text, DEFAULT_FEATURE_OPTIONS)]);
  });
});

describe('weighTerms', () => {
  test('sublinear TF times IDF, each block scaled to length 1 and the character block to charWeight', () => {
    const out = new Float64Array(3);
    // Word terms: count 1 (idf 1) and count e (idf 2): 1 and 2 * (1 + 1) = 4, length sqrt(17).
    // Character term: count 1, idf 3, alone in its block: charWeight.
    weighTerms(3, [0, 1, 2], [1, Math.E, 1], [0, 0, 1], [1, 2, 3], 0.5, out);
    expect(out[0]).toBeCloseTo(1 / Math.sqrt(17), 12);
    expect(out[1]).toBeCloseTo(4 / Math.sqrt(17), 12);
    expect(out[2]).toBeCloseTo(0.5, 12);
  });
});
