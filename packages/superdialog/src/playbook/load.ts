import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { LoadError, type LoadIssue } from '../errors.js';
import { compileFlow, type CompileReport } from '../flow/compile.js';
import { FlowSchema, isFlowFormat } from '../flow/schema.js';
import { formatPath, Playbook, zodIssue } from './playbook.js';
import { isSimpleFormat, lowerSimple, SimplePlaybookSchema } from './simple.js';

/** Which authored format a file was in. */
export type SourceFormat = 'playbook' | 'simple' | 'flow';

/** A loaded playbook and what it came from. */
export interface Loaded {
  playbook: Playbook;
  format: SourceFormat;
  /** For flows: what the compiler mapped and what it could not. */
  report: CompileReport | null;
}

interface Located {
  value: unknown;
  /** 1-based line of a path, when the source was YAML/JSON text. */
  lineOf: (path: ReadonlyArray<PropertyKey>) => number | null;
}

function parseText(text: string, file: string, yaml: boolean): Located {
  if (!yaml) {
    try {
      return { value: JSON.parse(text) as unknown, lineOf: () => null };
    } catch (err) {
      throw new LoadError('invalid_playbook', [{ file, path: '', reason: `invalid JSON: ${(err as Error).message}` }]);
    }
  }
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new LoadError(
      'invalid_playbook',
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        return { file: at ? `${file}:${at.line}` : file, path: '', reason: `invalid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  return {
    value: doc.toJS() as unknown,
    lineOf: (p) => {
      for (let n = p.length; n >= 0; n--) {
        const node = doc.getIn(p.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && Array.isArray(node.range)) return lineCounter.linePos(node.range[0]).line;
      }
      return null;
    },
  };
}

function located(file: string, lineOf: Located['lineOf'], issues: readonly LoadIssue[], pathOf: (i: LoadIssue) => PropertyKey[]): LoadIssue[] {
  return issues.map((i) => {
    const line = lineOf(pathOf(i));
    return line === null ? i : { ...i, file: `${file}:${line}` };
  });
}

function zodIssues(file: string, err: z.ZodError): Array<LoadIssue & { raw: PropertyKey[] }> {
  return err.issues.flatMap((i) => zodIssue(i).map((reason) => ({ file, path: formatPath(i.path), reason, raw: i.path as PropertyKey[] })));
}

/** Split `a.b[2].c` back into keys for line lookup. */
function splitPath(p: string): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/**
 * Build a playbook from a parsed object in any supported format: full playbook, simple playbook
 * (top-level `playbook` list) or flow graph JSON (`nodes` + `initial_node`, compiled).
 */
export function playbookFromObject(raw: unknown, file = '<inline>', lineOf: Located['lineOf'] = () => null): Loaded {
  try {
    if (isFlowFormat(raw)) {
      const parsed = FlowSchema.safeParse(raw);
      if (!parsed.success) {
        throw new LoadError('invalid_flow', located(file, lineOf, zodIssues(file, parsed.error), (i) => splitPath(i.path)));
      }
      const { playbook, report } = compileFlow(parsed.data, file);
      return { playbook: Playbook.fromSpec(playbook, file), format: 'flow', report };
    }
    if (isSimpleFormat(raw)) {
      const parsed = SimplePlaybookSchema.safeParse(raw);
      if (!parsed.success) throw new LoadError('invalid_playbook', zodIssues(file, parsed.error));
      return { playbook: Playbook.fromSpec(lowerSimple(parsed.data), file), format: 'simple', report: null };
    }
    return { playbook: Playbook.fromSpec(raw, file), format: 'playbook', report: null };
  } catch (err) {
    if (err instanceof LoadError && !isSimpleFormat(raw)) {
      throw new LoadError(err.code as 'invalid_playbook' | 'invalid_flow', located(file, lineOf, err.issues, (i) => splitPath(i.path)));
    }
    throw err;
  }
}

/** Parse playbook text (YAML when `format` is yaml, else JSON) in any supported format. */
export function parsePlaybook(text: string, options: { file?: string; yaml?: boolean } = {}): Loaded {
  const file = options.file ?? '<inline>';
  const { value, lineOf } = parseText(text, file, options.yaml ?? true);
  return playbookFromObject(value, file, lineOf);
}

/** Load a playbook file: `.yaml` / `.yml` as YAML 1.2 (only true/false are booleans), else JSON. */
export async function loadPlaybook(file: string): Promise<Loaded> {
  const text = await readFile(file, 'utf8');
  const ext = path.extname(file).toLowerCase();
  return parsePlaybook(text, { file, yaml: ext === '.yaml' || ext === '.yml' });
}
