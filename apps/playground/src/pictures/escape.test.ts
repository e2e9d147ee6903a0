import { describe, expect, it } from 'vitest';
import { escapeXml } from './escape.js';
import { byteRange, hex, plural, sizeText, slotRange } from './format.js';
import { attributes, element } from './markup.js';
import { decodeEntities, xmlProblems } from './well-formed.js';

describe('escapeXml', () => {
  it('escapes the five markup characters', () => {
    expect(escapeXml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('leaves ordinary text, unicode and surrogate pairs alone', () => {
    expect(escapeXml('libneed_a.so — ü 🦀 0x10400–0x1040C')).toBe('libneed_a.so — ü 🦀 0x10400–0x1040C');
  });

  it('replaces characters XML forbids, so hostile names cannot break the document', () => {
    expect(escapeXml('a\u0000b\u001Bc\tn\n\uFFFE\uD800x')).toBe('a\uFFFDb\uFFFDc\tn\n\uFFFD\uFFFDx');
  });

  it('round-trips through entity decoding', () => {
    const hostile = `<script>alert("x&y")</script>'.so`;
    expect(decodeEntities(escapeXml(hostile))).toBe(hostile);
  });

  it('keeps a hostile value inside its attribute', () => {
    const markup = element(
      'g',
      { 'data-library': '"><script>alert(1)</script><g x="' },
      element('title', {}, escapeXml('</title><script>')),
    );
    expect(markup).not.toContain('<script');
    expect(xmlProblems(markup)).toEqual([]);
  });

  it('refuses attribute names that are not names', () => {
    expect(() => attributes({ 'a b': 1 })).toThrow(/not an attribute name/);
    expect(attributes({ a: 1, b: undefined, c: null, d: false, e: true })).toBe(' a="1" e=""');
  });
});

describe('formatting', () => {
  it('writes hex addresses, counts, ranges and sizes', () => {
    expect(hex(66720)).toBe('0x104A0');
    expect([plural(1, 'byte'), plural(2, 'byte'), plural(3, 'library', 'libraries')]).toEqual([
      '1 byte',
      '2 bytes',
      '3 libraries',
    ]);
    expect(byteRange(0x10400, 12)).toBe('0x10400–0x1040C (12 bytes)');
    expect(slotRange(1, 1)).toBe('slots 1–2 (1 slot)');
    expect([sizeText(900), sizeText(65536), sizeText(1048576), sizeText(1572864)]).toEqual([
      '900 bytes',
      '64 KiB',
      '1 MiB',
      '1.5 MiB',
    ]);
  });
});

describe('xmlProblems (the test check itself)', () => {
  it('finds unbalanced, misnested and unquoted markup', () => {
    expect(xmlProblems('<svg><g></svg>')).not.toEqual([]);
    expect(xmlProblems('<a><b></a></b>')).not.toEqual([]);
    expect(xmlProblems('<a x=1></a>')).not.toEqual([]);
    expect(xmlProblems('<a>1 < 2</a>')).not.toEqual([]);
    expect(xmlProblems('<a>R&D</a>')).not.toEqual([]);
    expect(xmlProblems('<a x="1" x="2"/>')).not.toEqual([]);
    expect(xmlProblems('<a x="1"><b/>t &amp; u</a>')).toEqual([]);
  });
});
