/**
 * Term counts to TF-IDF: sublinear term frequency (1 + ln count) times the smoothed inverse
 * document frequency ln((1 + n) / (1 + df)) + 1, each block scaled to length 1 (the character
 * block then to `charWeight`). Training and the router weigh terms with this one function, so
 * they cannot drift apart.
 */

/** The smoothed inverse document frequency of a feature found in `df` of `documents`. */
export function inverseDocumentFrequency(df: number, documents: number): number {
  return Math.log((1 + documents) / (1 + df)) + 1;
}

/**
 * Writes the weight of terms `0 .. length - 1` to `out`: term `t` is in column `columns[t]`,
 * occurs `counts[t]` times and belongs to the character block when `chars[t]` is 1.
 */
export function weighTerms(
  length: number,
  columns: ArrayLike<number>,
  counts: ArrayLike<number>,
  chars: ArrayLike<number>,
  idf: ArrayLike<number>,
  charWeight: number,
  out: Float64Array,
): void {
  let wordNorm = 0;
  let charNorm = 0;
  for (let t = 0; t < length; t++) {
    const value = (1 + Math.log(counts[t])) * idf[columns[t]];
    out[t] = value;
    if (chars[t] === 1) {
      charNorm += value * value;
    } else {
      wordNorm += value * value;
    }
  }
  const wordScale = wordNorm > 0 ? 1 / Math.sqrt(wordNorm) : 0;
  const charScale = charNorm > 0 ? charWeight / Math.sqrt(charNorm) : 0;
  for (let t = 0; t < length; t++) {
    out[t] *= chars[t] === 1 ? charScale : wordScale;
  }
}
