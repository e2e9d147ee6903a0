import { describe, expect, it } from 'vitest';
import { highlight } from './highlight.js';

/** The text of highlighted HTML: tags dropped, entities decoded. */
const textOf = (html: string): string =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('highlight', () => {
  const ts =
    "import { createLinker } from '@dl/linker';\n// link it\nconst linker = await createLinker({ memory: 0x10 }); /* done */\nconst s = `a ${1}` < 2;";

  it('marks keywords, strings, numbers, comments and type-like names in TypeScript', () => {
    const html = highlight(ts, 'ts');
    expect(html).toContain('<span class="tok-keyword">import</span>');
    expect(html).toContain('<span class="tok-string">&#39;@dl/linker&#39;</span>');
    expect(html).toContain('<span class="tok-comment">// link it</span>');
    expect(html).toContain('<span class="tok-number">0x10</span>');
    expect(html).toContain('<span class="tok-comment">/* done */</span>');
    expect(html).toContain('&lt; <span class="tok-number">2</span>');
    expect(highlight('new Linker()', 'typescript')).toContain('<span class="tok-type">Linker</span>');
  });

  it('keeps the text exactly, for every language, and escapes it', () => {
    for (const language of ['ts', 'sh', 'json', 'text']) expect(textOf(highlight(ts, language))).toBe(ts);
    expect(highlight('<script>alert(1)</script>', 'text')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('marks shell prompts, comments and quoted strings, but not a # inside a word', () => {
    const html = highlight("$ npm install @dl/linker # the linker\necho 'a#b' c#d", 'sh');
    expect(html).toContain(
      '<span class="tok-prompt">$ </span>npm install @dl/linker <span class="tok-comment"># the linker</span>',
    );
    expect(html).toContain('<span class="tok-string">&#39;a#b&#39;</span> c#d');
  });
});
