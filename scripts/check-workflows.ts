/**
 * CI's check of the GitHub Actions files (`npm run lint` runs it): action.yml and every
 * workflow under .github/workflows/ against GitHub's schemas with @action-validator/core
 * (the maintained validator, WebAssembly inside the npm package: works offline), plus what a
 * schema cannot see, as actionlint would:
 * - every `${{ inputs.X }}` in action.yml names a declared input, every `steps.ID` a step id;
 * - a workflow step `uses: ./` passes only inputs action.yml declares, gives every required
 *   one, and reads only outputs it declares (`steps.ID.outputs.X`).
 * Usage: node --import tsx scripts/check-workflows.ts [ROOT]   (exit 1 on any finding)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateAction, validateWorkflow, type ValidationError } from '@action-validator/core';
import { parse } from 'yaml';

export interface Finding {
  file: string;
  message: string;
}

export interface ActionInterface {
  inputs: Map<string, { required: boolean; hasDefault: boolean }>;
  outputs: Set<string>;
}

type Dict = Record<string, unknown>;
const isDict = (x: unknown): x is Dict => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The validator's errors as lines, the innermost reasons of each oneOf branch included (at most `max`). */
export function errorLines(errors: readonly ValidationError[], max = 12): string[] {
  const out: string[] = [];
  const walk = (list: readonly ValidationError[], depth: number) => {
    for (const e of list) {
      const where = 'path' in e && e.path ? `${e.path}: ` : 'location' in e && e.location ? `line ${e.location.line}: ` : '';
      out.push(`${'  '.repeat(depth)}${where}${e.title}${e.detail ? ` (${e.detail})` : ''}`);
      if ('states' in e && e.states) for (const s of e.states) walk(s.errors, depth + 1);
    }
  };
  walk(errors, 0);
  return out.length > max ? [...out.slice(0, max), `… ${out.length - max} more`] : out;
}

/** Expressions `${{ … }}` of a text, without the braces. */
function expressions(text: string): string[] {
  return [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1] ?? '');
}

/** The inputs and outputs action.yml declares. */
export function actionInterface(doc: unknown): ActionInterface {
  const d = isDict(doc) ? doc : {};
  const inputs = new Map<string, { required: boolean; hasDefault: boolean }>();
  for (const [name, spec] of Object.entries(isDict(d.inputs) ? d.inputs : {})) {
    inputs.set(name, { required: isDict(spec) && spec.required === true, hasDefault: isDict(spec) && spec.default !== undefined });
  }
  return { inputs, outputs: new Set(Object.keys(isDict(d.outputs) ? d.outputs : {})) };
}

/** action.yml's expressions that name an input it does not declare or a step id it does not have. */
export function checkActionReferences(text: string): string[] {
  const doc: unknown = parse(text);
  const { inputs } = actionInterface(doc);
  const runs = isDict(doc) && isDict(doc.runs) ? doc.runs : {};
  const steps = Array.isArray(runs.steps) ? runs.steps : [];
  const ids = new Set(steps.flatMap((s: unknown) => (isDict(s) && typeof s.id === 'string' ? [s.id] : [])));
  const out: string[] = [];
  for (const expr of expressions(text)) {
    for (const m of expr.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)) if (!inputs.has(m[1] ?? '')) out.push(`\${{${expr}}} reads inputs.${m[1]}, which action.yml does not declare (declared: ${[...inputs.keys()].join(', ')})`);
    for (const m of expr.matchAll(/\bsteps\.([A-Za-z0-9_-]+)\./g)) if (!ids.has(m[1] ?? '')) out.push(`\${{${expr}}} reads steps.${m[1]}, which is not a step id of action.yml`);
  }
  return out;
}

/** A workflow's steps that use this repository's action: what they pass and read. */
export function checkLocalActionUses(text: string, action: ActionInterface): string[] {
  const doc: unknown = parse(text);
  const jobs = isDict(doc) && isDict(doc.jobs) ? doc.jobs : {};
  const out: string[] = [];
  for (const [jobName, job] of Object.entries(jobs)) {
    const steps = isDict(job) && Array.isArray(job.steps) ? job.steps : [];
    const local = new Set<string>();
    steps.forEach((step: unknown, i: number) => {
      if (!isDict(step) || step.uses !== './') return;
      const where = `jobs.${jobName}.steps[${i}]${typeof step.id === 'string' ? ` (${step.id})` : ''}`;
      if (typeof step.id === 'string') local.add(step.id);
      const given = isDict(step.with) ? Object.keys(step.with) : [];
      for (const k of given) if (!action.inputs.has(k)) out.push(`${where}: input "${k}" is not declared in action.yml (declared: ${[...action.inputs.keys()].join(', ')})`);
      for (const [k, spec] of action.inputs) if (spec.required && !spec.hasDefault && !given.includes(k)) out.push(`${where}: required input "${k}" is missing`);
    });
    for (const expr of expressions(JSON.stringify(job))) {
      for (const m of expr.matchAll(/\bsteps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
        if (local.has(m[1] ?? '') && !action.outputs.has(m[2] ?? '')) out.push(`jobs.${jobName}: steps.${m[1]}.outputs.${m[2]} is not an output of action.yml (outputs: ${[...action.outputs].join(', ')})`);
      }
    }
  }
  return out;
}

/** One file: the schema (action or workflow by its name), then the references. */
export function checkFile(file: string, text: string, action?: ActionInterface): string[] {
  const isAction = /(^|\/)action\.ya?ml$/.test(file);
  const result = isAction ? validateAction(text) : validateWorkflow(text);
  if (result.errors.length) return errorLines(result.errors);
  if (isAction) return checkActionReferences(text);
  return action ? checkLocalActionUses(text, action) : [];
}

/** The files CI checks: action.yml (when there) and every workflow. */
export function actionFiles(root: string): string[] {
  const dir = path.join(root, '.github', 'workflows');
  const workflows = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f)) : [];
  return [path.join(root, 'action.yml'), ...workflows].filter((f) => existsSync(f));
}

export function checkProject(root: string): { files: string[]; findings: Finding[] } {
  const files = actionFiles(root);
  const actionFile = files.find((f) => path.basename(f) === 'action.yml');
  let action: ActionInterface | undefined;
  try {
    action = actionFile ? actionInterface(parse(readFileSync(actionFile, 'utf8'))) : undefined;
  } catch {
    action = undefined; // its own check reports the syntax error
  }
  const findings: Finding[] = [];
  for (const file of files) {
    const rel = path.relative(root, file);
    let messages: string[];
    try {
      messages = checkFile(rel, readFileSync(file, 'utf8'), action);
    } catch (err) {
      messages = [`cannot be read as YAML: ${(err as Error).message}`];
    }
    findings.push(...messages.map((message) => ({ file: rel, message })));
  }
  return { files, findings };
}

function main(argv: string[]): number {
  const root = path.resolve(argv[0] ?? path.join(import.meta.dirname, '..'));
  const { files, findings } = checkProject(root);
  if (files.length === 0) {
    process.stderr.write(`check-workflows: no action.yml or .github/workflows/*.yml under ${root}\n`);
    return 1;
  }
  if (findings.length) {
    for (const f of findings) process.stderr.write(`${f.file}: ${f.message}\n`);
    process.stderr.write(`check-workflows: ${findings.length} problem(s) in ${new Set(findings.map((f) => f.file)).size} of ${files.length} file(s); see GitHub's action and workflow syntax docs\n`);
    return 1;
  }
  process.stdout.write(`check-workflows: ${files.map((f) => path.relative(root, f)).join(', ')} valid\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
