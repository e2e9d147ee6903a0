import { ReflectionKind } from 'typedoc';
import type { JSONOutput } from 'typedoc';
import { describe, expect, it } from 'vitest';
import { commentText, typeText } from './api-model.js';

const ref = (name: string, typeArguments?: JSONOutput.SomeType[]): JSONOutput.SomeType => ({
  type: 'reference',
  name,
  target: 0 as JSONOutput.ReflectionId,
  ...(typeArguments === undefined ? {} : { typeArguments }),
});
const lit = (value: string | number): JSONOutput.SomeType => ({ type: 'literal', value });

describe('typeText (TypeDoc JSON types as TypeScript)', () => {
  it('writes references, unions in arrays, literals, operators and tuples', () => {
    expect(typeText(ref('Promise', [ref('Linker')]))).toBe('Promise<Linker>');
    expect(typeText({ type: 'array', elementType: { type: 'union', types: [lit('a'), lit(1)] } })).toBe("('a' | 1)[]");
    expect(
      typeText({
        type: 'typeOperator',
        operator: 'readonly',
        target: { type: 'array', elementType: { type: 'intrinsic', name: 'string' } },
      }),
    ).toBe('readonly string[]');
    expect(
      typeText({
        type: 'tuple',
        elements: [
          { type: 'namedTupleMember', name: 'name', isOptional: false, element: { type: 'intrinsic', name: 'string' } },
        ],
      }),
    ).toBe('[name: string]');
    expect(typeText({ type: 'indexedAccess', objectType: ref('LinkerEvent'), indexType: lit('type') })).toBe(
      "LinkerEvent['type']",
    );
    expect(typeText({ type: 'literal', value: "it's" })).toBe("'it\\'s'");
  });
});

describe('commentText', () => {
  const text = (t: string): JSONOutput.CommentDisplayPart => ({ kind: 'text', text: t });

  it('writes links as code, parameters and block tags as @-lines', () => {
    const comment: JSONOutput.Comment = {
      summary: [text('Opens '), { kind: 'inline-tag', tag: '@link', text: 'Linker' }, text('.')],
      blockTags: [{ tag: '@returns', content: [text('a handle')] }],
    };
    const params = [
      {
        id: 1,
        name: 'name',
        variant: 'param',
        kind: ReflectionKind.Parameter,
        flags: {},
        comment: { summary: [text('the library')] },
      },
    ] as JSONOutput.ParameterReflection[];
    expect(commentText(comment, params)).toBe('Opens `Linker`.\n@param name the library\n@returns a handle');
  });

  it('puts back prose that TSDoc took for a block tag ("the @dl packages")', () => {
    const comment: JSONOutput.Comment = {
      summary: [text('Used across the')],
      blockTags: [{ tag: '@dl', content: [text('packages.')] }],
    };
    expect(commentText(comment)).toBe('Used across the @dl packages.');
  });
});
