/**
 * The docs' API reference model, made from TypeDoc's JSON output (`JSONOutput.ProjectReflection`)
 * at build time: per package, per entry point, the exported names with their kind, a one-line
 * (or one-line-per-overload) signature, their TSDoc as text, and the members of classes and
 * interfaces. Pure: it reads the JSON only, so it runs in node (build, tests) and needs no TypeDoc
 * in the browser.
 */
import type { JSONOutput } from 'typedoc';

export type ApiKind =
  | 'function'
  | 'class'
  | 'interface'
  | 'type'
  | 'const'
  | 'enum'
  | 'namespace'
  | 'method'
  | 'property'
  | 'getter'
  | 'constructor'
  | 'reexport'
  | 'unknown';

export interface ApiEntry {
  readonly name: string;
  readonly kind: ApiKind;
  /** The declaration's signature, e.g. `function createLinker(options?: CreateOptions): Promise<Linker>`. */
  readonly signature: string;
  /** The TSDoc text: Markdown summary, then `@param name …`, `@returns …` lines; '' when undocumented. */
  readonly doc: string;
  /** Public members of a class or interface, in declaration order; empty for anything else. */
  readonly members: readonly ApiEntry[];
  /** Exported only as a type (an interface or a type alias). */
  readonly typeOnly: boolean;
}

/** One entry point of a package (`@dl/loaders`, `@dl/loaders/node`) and what it exports. */
export interface ApiEntryPoint {
  readonly entryPoint: string;
  readonly entries: readonly ApiEntry[];
}

/** The whole reference: package id (`linker`) → its entry points, the main one first. */
export type ApiModel = Readonly<Record<string, readonly ApiEntryPoint[]>>;

/** An entry file TypeDoc was given: the package id, the export subpath (`.`, `./node`) and the TypeDoc module name. */
export interface ApiEntryFile {
  readonly packageId: string;
  readonly subpath: string;
  /** The module's name in TypeDoc's output: the path under `packages/` without `.ts` and `/index` (`loaders/src/node`). */
  readonly moduleName: string;
}

/** TypeDoc's ReflectionKind values (stable in its JSON schema). */
const Kind = {
  Namespace: 4,
  Enum: 8,
  EnumMember: 16,
  Variable: 32,
  Function: 64,
  Class: 128,
  Interface: 256,
  Constructor: 512,
  Property: 1024,
  Method: 2048,
  Accessor: 262144,
  TypeAlias: 2097152,
  Reference: 4194304,
} as const;

type Declaration = JSONOutput.DeclarationReflection;

/** A reflection's kind as the number TypeDoc's JSON holds (its enum is not loaded in the browser). */
function kindOf(reflection: { readonly kind: number }): number {
  return reflection.kind;
}
type Signature = JSONOutput.SignatureReflection;
type SomeType = JSONOutput.SomeType;

/** The TSDoc tags the docs show; `@dl` and other unknown "tags" are prose that TSDoc misread (`the @dl packages`). */
const knownTags: ReadonlySet<string> = new Set([
  '@returns',
  '@throws',
  '@example',
  '@remarks',
  '@see',
  '@deprecated',
  '@defaultValue',
  '@typeParam',
  '@param',
]);

/** Comment parts as Markdown: `{@link X}` as `` `X` ``, code as written. */
function partsText(parts: readonly JSONOutput.CommentDisplayPart[] | undefined): string {
  return (parts ?? []).map((part) => (part.kind === 'inline-tag' ? `\`${part.text}\`` : part.text)).join('');
}

/** A comment as the docs' doc text: summary (with misread tags put back), then one line per block tag. */
export function commentText(
  comment: JSONOutput.Comment | undefined,
  params: readonly JSONOutput.ParameterReflection[] = [],
): string {
  if (comment === undefined && params.every((p) => p.comment === undefined)) return '';
  let summary = partsText(comment?.summary);
  const tags: string[] = [];
  for (const tag of comment?.blockTags ?? []) {
    const text = partsText(tag.content);
    if (!knownTags.has(tag.tag)) {
      // Prose like "the @dl packages": TSDoc took `@dl` for a block tag; put it back where it was.
      const last = tags.pop();
      if (last === undefined) summary = `${summary} ${tag.tag} ${text}`;
      else tags.push(`${last} ${tag.tag} ${text}`);
      continue;
    }
    tags.push(
      tag.tag === '@example'
        ? `@example\n${text}`
        : `${tag.tag}${tag.name === undefined ? '' : ` ${tag.name}`} ${text}`,
    );
  }
  const paramTags = params
    .filter((p) => p.comment !== undefined)
    .map((p) => `@param ${p.name} ${partsText(p.comment?.summary)}`);
  return [summary.trim(), ...paramTags, ...tags].filter((line) => line !== '').join('\n');
}

function typeArguments(args: readonly SomeType[] | undefined): string {
  return args === undefined || args.length === 0 ? '' : `<${args.map((t) => typeText(t)).join(', ')}>`;
}

/** Binding strength for parentheses: unions inside arrays, functions inside unions. */
function wrapped(type: SomeType): string {
  const text = typeText(type);
  const needs =
    type.type === 'union' ||
    type.type === 'intersection' ||
    type.type === 'conditional' ||
    (type.type === 'reflection' &&
      (type.declaration.signatures?.length ?? 0) > 0 &&
      (type.declaration.children?.length ?? 0) === 0);
  return needs ? `(${text})` : text;
}

function literalText(value: JSONOutput.LiteralType['value']): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `${value.negative ? '-' : ''}${value.value}n`;
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(value);
}

/** An inline object type or a function type. */
function reflectionText(declaration: Declaration): string {
  const signatures = declaration.signatures ?? [];
  const children = declaration.children ?? [];
  if (signatures.length === 1 && children.length === 0 && (declaration.indexSignatures ?? []).length === 0) {
    const s = signatures[0]!;
    return `${typeParameters(s.typeParameters)}(${parameters(s.parameters)}) => ${s.type === undefined ? 'void' : typeText(s.type)}`;
  }
  const parts = [
    ...signatures.map(
      (s) =>
        `${typeParameters(s.typeParameters)}(${parameters(s.parameters)}): ${s.type === undefined ? 'void' : typeText(s.type)}`,
    ),
    ...(declaration.indexSignatures ?? []).map(
      (s) => `[${parameters(s.parameters)}]: ${s.type === undefined ? 'unknown' : typeText(s.type)}`,
    ),
    ...children.map((c) => memberSignature(c)),
  ];
  return parts.length === 0 ? '{}' : `{ ${parts.join('; ')} }`;
}

/** A TypeDoc JSON type as TypeScript text. */
export function typeText(type: SomeType): string {
  switch (type.type) {
    case 'array':
      return `${wrapped(type.elementType)}[]`;
    case 'conditional':
      return `${typeText(type.checkType)} extends ${typeText(type.extendsType)} ? ${typeText(type.trueType)} : ${typeText(type.falseType)}`;
    case 'indexedAccess':
      return `${wrapped(type.objectType)}[${typeText(type.indexType)}]`;
    case 'inferred':
      return `infer ${type.name}${type.constraint === undefined ? '' : ` extends ${typeText(type.constraint)}`}`;
    case 'intersection':
      return type.types.map((t) => wrapped(t)).join(' & ');
    case 'intrinsic':
      return type.name;
    case 'literal':
      return literalText(type.value);
    case 'mapped': {
      const readonly = type.readonlyModifier === '+' ? 'readonly ' : type.readonlyModifier === '-' ? '-readonly ' : '';
      const optional = type.optionalModifier === '+' ? '?' : type.optionalModifier === '-' ? '-?' : '';
      const as = type.nameType === undefined ? '' : ` as ${typeText(type.nameType)}`;
      return `{ ${readonly}[${type.parameter} in ${typeText(type.parameterType)}${as}]${optional}: ${typeText(type.templateType)} }`;
    }
    case 'namedTupleMember':
      return `${type.name}${type.isOptional ? '?' : ''}: ${typeText(type.element)}`;
    case 'optional':
      return `${wrapped(type.elementType)}?`;
    case 'predicate':
      return `${type.asserts ? 'asserts ' : ''}${type.name}${type.targetType === undefined ? '' : ` is ${typeText(type.targetType)}`}`;
    case 'query':
      return `typeof ${typeText(type.queryType)}`;
    case 'reference':
      return `${type.name}${typeArguments(type.typeArguments)}`;
    case 'reflection':
      return reflectionText(type.declaration);
    case 'rest':
      return `...${typeText(type.elementType)}`;
    case 'templateLiteral':
      return `\`${type.head}${type.tail.map(([t, text]) => `\${${typeText(t)}}${text}`).join('')}\``;
    case 'tuple':
      return `[${(type.elements ?? []).map((t) => typeText(t)).join(', ')}]`;
    case 'typeOperator':
      return `${type.operator} ${wrapped(type.target)}`;
    case 'union':
      return type.types.map((t) => wrapped(t)).join(' | ');
    case 'unknown':
      return type.name;
  }
}

function typeParameters(params: readonly JSONOutput.TypeParameterReflection[] | undefined): string {
  if (params === undefined || params.length === 0) return '';
  return `<${params.map((p) => `${p.name}${p.type === undefined ? '' : ` extends ${typeText(p.type)}`}${p.default === undefined ? '' : ` = ${typeText(p.default)}`}`).join(', ')}>`;
}

function parameters(params: readonly JSONOutput.ParameterReflection[] | undefined): string {
  return (params ?? [])
    .map((p) => {
      const rest = p.flags.isRest === true ? '...' : '';
      const optional = p.flags.isOptional === true && p.defaultValue === undefined ? '?' : '';
      const initial = p.defaultValue === undefined ? '' : ` = ${p.defaultValue}`;
      return `${rest}${p.name}${optional}: ${p.type === undefined ? 'unknown' : typeText(p.type)}${initial}`;
    })
    .join(', ');
}

function callText(name: string, s: Signature): string {
  return `${name}${typeParameters(s.typeParameters)}(${parameters(s.parameters)}): ${s.type === undefined ? 'void' : typeText(s.type)}`;
}

/** A class or interface member on one line (a line per overload). */
function memberSignature(member: Declaration): string {
  const flags = member.flags;
  const prefix = `${flags.isStatic === true ? 'static ' : ''}${flags.isReadonly === true ? 'readonly ' : ''}`;
  if (kindOf(member) === Kind.Constructor)
    return (member.signatures ?? []).map((s) => `constructor(${parameters(s.parameters)})`).join('\n');
  if (kindOf(member) === Kind.Method || (member.signatures ?? []).length > 0)
    return (member.signatures ?? []).map((s) => `${prefix}${callText(member.name, s)}`).join('\n');
  if (kindOf(member) === Kind.Accessor) {
    const get =
      member.getSignature === undefined
        ? []
        : [
            `${prefix}get ${member.name}(): ${member.getSignature.type === undefined ? 'unknown' : typeText(member.getSignature.type)}`,
          ];
    const set =
      member.setSignature === undefined
        ? []
        : [`${prefix}set ${member.name}(${parameters(member.setSignature.parameters)})`];
    return [...get, ...set].join('\n');
  }
  if (kindOf(member) === Kind.EnumMember)
    return `${member.name}${member.type === undefined ? '' : ` = ${typeText(member.type)}`}`;
  return `${prefix}${member.name}${flags.isOptional === true ? '?' : ''}: ${member.type === undefined ? 'unknown' : typeText(member.type)}`;
}

function memberKind(member: Declaration): ApiKind {
  if (kindOf(member) === Kind.Constructor) return 'constructor';
  if (kindOf(member) === Kind.Method) return 'method';
  if (kindOf(member) === Kind.Accessor) return 'getter';
  return 'property';
}

/** Members declared here (not inherited), with their docs. */
function membersOf(declaration: Declaration): ApiEntry[] {
  return (declaration.children ?? [])
    .filter((member) => member.inheritedFrom === undefined)
    .map((member) => {
      const signature = member.signatures?.[0] ?? member.getSignature;
      const comment =
        member.comment ?? member.signatures?.find((s) => s.comment !== undefined)?.comment ?? signature?.comment;
      return {
        name: member.name,
        kind: memberKind(member),
        signature: memberSignature(member),
        doc: commentText(comment, signature?.parameters),
        members: [],
        typeOnly: false,
      };
    });
}

function heritage(keyword: string, types: readonly SomeType[] | undefined): string {
  return types === undefined || types.length === 0 ? '' : ` ${keyword} ${types.map((t) => typeText(t)).join(', ')}`;
}

/** One exported declaration as an entry. */
function entryOf(d: Declaration): ApiEntry {
  const base = { name: d.name, members: [] as ApiEntry[], typeOnly: false };
  switch (kindOf(d)) {
    case Kind.Function: {
      const signatures = d.signatures ?? [];
      const documented = signatures.find((s) => s.comment !== undefined) ?? signatures[0];
      return {
        ...base,
        kind: 'function',
        signature: signatures.map((s) => `function ${callText(d.name, s)}`).join('\n'),
        doc: commentText(d.comment ?? documented?.comment, documented?.parameters),
      };
    }
    case Kind.Class:
      return {
        ...base,
        kind: 'class',
        signature: `class ${d.name}${typeParameters(d.typeParameters)}${heritage('extends', d.extendedTypes)}${heritage('implements', d.implementedTypes)}`,
        doc: commentText(d.comment),
        members: membersOf(d),
      };
    case Kind.Interface:
      return {
        ...base,
        kind: 'interface',
        typeOnly: true,
        signature: `interface ${d.name}${typeParameters(d.typeParameters)}${heritage('extends', d.extendedTypes)}`,
        doc: commentText(d.comment),
        members: membersOf(d),
      };
    case Kind.TypeAlias:
      return {
        ...base,
        kind: 'type',
        typeOnly: true,
        signature: `type ${d.name}${typeParameters(d.typeParameters)} = ${d.type === undefined ? 'unknown' : typeText(d.type)}`,
        doc: commentText(d.comment),
      };
    case Kind.Variable:
      return {
        ...base,
        kind: 'const',
        signature: `const ${d.name}: ${d.type === undefined ? 'unknown' : typeText(d.type)}`,
        doc: commentText(d.comment),
      };
    case Kind.Enum:
      return { ...base, kind: 'enum', signature: `enum ${d.name}`, doc: commentText(d.comment), members: membersOf(d) };
    case Kind.Namespace:
      return { ...base, kind: 'namespace', signature: `namespace ${d.name}`, doc: commentText(d.comment) };
    default:
      return { ...base, kind: 'unknown', signature: '', doc: commentText(d.comment) };
  }
}

/** What a re-export (a TypeDoc reference) points at, or null for a declaration. */
function referenceTarget(child: Declaration): number | null {
  if (kindOf(child) !== Kind.Reference || !('target' in child)) return null;
  const target: unknown = child.target;
  return typeof target === 'number' ? target : null;
}

/** Every reflection by id, and the module (TypeDoc name) each one is declared in. */
function indexProject(project: JSONOutput.ProjectReflection): {
  byId: Map<number, Declaration>;
  moduleOf: Map<number, string>;
} {
  const byId = new Map<number, Declaration>();
  const moduleOf = new Map<number, string>();
  for (const module of project.children ?? []) {
    for (const child of module.children ?? []) {
      byId.set(child.id, child);
      moduleOf.set(child.id, module.name);
    }
  }
  return { byId, moduleOf };
}

/**
 * The model from TypeDoc's JSON of all entry `files`: each entry point's exports in source
 * TypeDoc's order, without those its package's main entry point already lists; a name re-exported from
 * another package is listed as such (and documented there).
 */
export function apiModelFrom(
  project: JSONOutput.ProjectReflection,
  files: readonly ApiEntryFile[],
  packageName: (id: string) => string,
): ApiModel {
  const { byId, moduleOf } = indexProject(project);
  const packageOfModule = new Map(files.map((f) => [f.moduleName, f.packageId]));
  const model: Record<string, ApiEntryPoint[]> = {};
  for (const file of files) {
    const module = (project.children ?? []).find((m) => m.name === file.moduleName);
    if (module === undefined)
      throw new Error(`TypeDoc's output has no module ${file.moduleName} (entry ${file.packageId} ${file.subpath})`);
    const points = (model[file.packageId] ??= []);
    const seen = new Set(points.flatMap((p) => p.entries.map((e) => e.name)));
    const entries = (module.children ?? [])
      .filter((child) => !seen.has(child.name))
      .map((child): ApiEntry => {
        const target = referenceTarget(child);
        if (target === null) return entryOf(child);
        const targetModule = moduleOf.get(target);
        const owner = targetModule === undefined ? undefined : packageOfModule.get(targetModule);
        if (owner !== undefined && owner !== file.packageId) {
          const from = packageName(owner);
          const targetKind = byId.get(target)?.kind;
          const typeOnly =
            targetKind !== undefined &&
            (kindOf({ kind: targetKind }) === Kind.Interface || kindOf({ kind: targetKind }) === Kind.TypeAlias);
          return {
            name: child.name,
            kind: 'reexport',
            signature: `export ${typeOnly ? 'type ' : ''}{ ${child.name} } from '${from}'`,
            doc: `Re-exported from \`${from}\`, where it is documented.`,
            members: [],
            typeOnly,
          };
        }
        const declared = byId.get(target);
        return declared === undefined
          ? { name: child.name, kind: 'unknown', signature: '', doc: '', members: [], typeOnly: false }
          : { ...entryOf(declared), name: child.name };
      });
    points.push({
      entryPoint:
        file.subpath === '.' ? packageName(file.packageId) : `${packageName(file.packageId)}${file.subpath.slice(1)}`,
      entries,
    });
  }
  return model;
}
