import { describe, expect, it } from 'vitest';
import { padText, padTexts, unpadText, utf8, utf8Each } from '../../src/lib/bytes';

describe('bulk text encoding', () => {
  const texts = ['', 'a', 'x'.repeat(251), 'x'.repeat(252), 'Zoë Ångström 北京 🙂', 'é'.repeat(300_000), 'tail'];

  it('padTexts gives exactly padText of each text, across buffer boundaries, and each reads back', () => {
    const bulk = padTexts(texts, 256);
    texts.forEach((t, i) => {
      expect(bulk[i]).toEqual(padText(t, 256));
      expect(unpadText(bulk[i]!)).toBe(t);
    });
  });

  it('utf8Each gives exactly the UTF-8 of each text', () => {
    utf8Each(texts).forEach((b, i) => expect(b).toEqual(utf8(texts[i]!)));
  });
});
