import { z } from 'zod';
import { stringify } from 'yaml';
import type { PlaybookInput } from './schema.js';

/**
 * The simple authoring format: a persona, an opening, a closing and an ordered list of steps.
 * Lowered into one journey `main`. Unlike the reference, `collect` keys are required slots that
 * gate the step's rule (`requires`), and the gate is soft, so collection both matters and can
 * never deadlock.
 */

const Key = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a name of letters, digits and "_"');
const CollectItem = z.union([Key, z.record(Key, z.looseObject({}))]);

export const SimplePlaybookSchema = z.strictObject({
  name: z.string().default(''),
  goal: z.string().default(''),
  persona: z
    .strictObject({
      name: z.string().default(''),
      language: z.union([z.string(), z.array(z.string()).min(1)]).default('en'),
      voice_style: z.string().default(''),
      identity: z.string().default(''),
    })
    .default({ name: '', language: 'en', voice_style: '', identity: '' }),
  opening: z.string().default(''),
  closing: z.string().default(''),
  playbook: z
    .array(
      z.strictObject({
        id: Key,
        purpose: z.string().default(''),
        say: z.string().default(''),
        collect: z.array(CollectItem).default([]),
        done_when: z.string().default(''),
        keywords: z.array(z.string()).default([]),
      }),
    )
    .min(1, 'at least one step is needed'),
  facts: z.unknown().optional(),
  objections: z.array(z.strictObject({ trigger: z.string(), handle: z.string() })).default([]),
  boundaries: z.array(z.string()).default([]),
  fallback_actions: z.record(z.string(), z.string()).default({}),
  interrupts: z.array(z.strictObject({ id: Key.optional(), when: z.string().min(1), to: Key, keywords: z.array(z.string()).default([]) })).default([]),
  channel: z.enum(['voice', 'text']).default('voice'),
  tone: z.enum(['professional', 'casual']).default('professional'),
  call_type: z.enum(['sales', 'support', 'booking']).nullable().default(null),
  timezone: z.string().default('UTC'),
});
export type SimplePlaybook = z.infer<typeof SimplePlaybookSchema>;

/** True when `raw` looks like the simple format (a top-level `playbook` list). */
export function isSimpleFormat(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && Array.isArray((raw as { playbook?: unknown }).playbook);
}

function personaText(s: SimplePlaybook): string {
  const p = s.persona;
  const languages = Array.isArray(p.language) ? p.language : [p.language];
  const parts: string[] = [];
  if (p.identity) parts.push(p.identity);
  if (p.name && !p.identity.includes(p.name)) parts.push(`Your name is ${p.name}.`);
  parts.push(`Default conversation language: ${languages[0]}.${languages.length > 1 ? ` Also speaks: ${languages.slice(1).join(', ')}.` : ''}`);
  if (p.voice_style) parts.push(`Voice and manner: ${p.voice_style}`);
  if (s.goal) parts.push(`Overall goal: ${s.goal}`);
  if (s.facts !== undefined) parts.push(`## Reference facts (never invent beyond these)\n${stringify(s.facts).trim()}`);
  if (s.objections.length) parts.push(`## Objection handling\n${s.objections.map((o) => `- If ${o.trigger}: ${o.handle}`).join('\n')}`);
  if (s.boundaries.length) parts.push(`## Hard boundaries\n${s.boundaries.map((b) => `- ${b}`).join('\n')}`);
  const fallbacks = Object.entries(s.fallback_actions);
  if (fallbacks.length) parts.push(`## Fallback actions\n${fallbacks.map(([k, v]) => `- ${k}: ${v}`).join('\n')}`);
  if (s.closing) parts.push(`## Closing line\n${s.closing}`);
  return parts.join('\n\n');
}

/** Lower a validated simple playbook into the full format's input shape. */
export function lowerSimple(s: SimplePlaybook): PlaybookInput {
  const steps = s.playbook;
  const checkpoints = steps.map((step, i) => {
    const last = i === steps.length - 1;
    const slots: Record<string, Record<string, unknown>> = {};
    for (const item of step.collect) {
      if (typeof item === 'string') slots[item] = { type: 'str', required: true };
      else for (const [key, spec] of Object.entries(item)) slots[key] = { required: true, ...spec };
    }
    const say = step.say || (i === 0 ? s.opening : '');
    if (last) {
      return { id: step.id, goal: step.purpose, slots, guidance: say, terminal: true, outcome: 'completed', say_verbatim: say || s.closing || undefined };
    }
    return {
      id: step.id,
      goal: step.purpose,
      slots,
      guidance: say,
      reply: say || undefined,
      advance_when: [{ when: step.done_when || 'this step is complete', to: steps[i + 1]!.id, requires: Object.keys(slots), keywords: step.keywords }],
    };
  });
  return {
    name: s.name,
    persona: personaText(s),
    guidelines: { channel: s.channel, tone: s.tone, call_type: s.call_type, timezone: s.timezone, language: s.persona.language },
    journeys: { main: { checkpoints } },
    interrupts: s.interrupts.map((it, i) => ({ id: it.id ?? `interrupt_${i + 1}`, when: it.when, to: it.to, keywords: it.keywords })),
  };
}
