import { z } from 'zod';

/**
 * The legacy flow-graph JSON (nodes with prose instructions, edges with prose conditions). Unknown
 * keys are ignored, as in the format's own loader; `global_actions` and `env_vars` are accepted as
 * aliases, and key/value lists are accepted where maps are expected.
 */

const KeyValueList = z.array(z.looseObject({ key: z.string(), value: z.unknown() }));
const StringMap = z
  .union([z.record(z.string(), z.unknown()), KeyValueList])
  .transform((v): Record<string, string> => {
    const entries = Array.isArray(v) ? v.map((e) => [e.key, e.value] as const) : Object.entries(v);
    return Object.fromEntries(entries.map(([k, val]) => [k, typeof val === 'string' ? val : JSON.stringify(val)]));
  });

const JsonSchemaObject = z.looseObject({
  properties: z.record(z.string(), z.looseObject({ type: z.string().optional(), description: z.string().optional(), enum: z.array(z.unknown()).optional() })).default({}),
  required: z.array(z.string()).default([]),
});

export const FlowEdge = z.looseObject({
  id: z.string().min(1),
  condition: z.string().default(''),
  target_node_id: z.string().min(1),
  input_schema: JsonSchemaObject.nullable().optional(),
  actions: z.array(z.looseObject({ trigger: z.string().default('on_enter'), action_id: z.string() })).default([]),
  is_fallback: z.boolean().default(false),
  guard: z.string().nullable().optional(),
});
export type FlowEdge = z.infer<typeof FlowEdge>;

export const FlowNode = z.looseObject({
  id: z.string().min(1),
  name: z.string().default(''),
  instruction: z.string().nullable().default(null),
  static_text: z.string().nullable().default(null),
  is_final: z.boolean().nullable().default(false),
  node_type: z.enum(['router', 'instruction', 'static', 'final']).nullable().optional(),
  auto_proceed: z.boolean().nullable().default(false),
  edges: z.array(FlowEdge).default([]),
  actions: z.array(z.looseObject({ trigger: z.enum(['on_enter', 'on_exit']), action_id: z.string() })).default([]),
  completion_criteria: z.array(z.looseObject({ key: z.string(), description: z.string().default(''), required: z.boolean().default(true) })).default([]),
  allow_skip: z.boolean().default(true),
  max_turns: z.number().int().positive().nullable().optional(),
  interruptible: z.boolean().default(true),
});
export type FlowNode = z.infer<typeof FlowNode>;

export const FlowAction = z.looseObject({
  id: z.string().min(1),
  name: z.string().default(''),
  description: z.string().default(''),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.string().min(1),
  headers: StringMap.default({}),
  body: z.union([z.record(z.string(), z.unknown()), z.string()]).nullable().optional(),
  body_template: z.union([z.record(z.string(), z.unknown()), z.string()]).nullable().optional(),
  timeout: z.number().positive().default(30),
  store_response_as: z.string().nullable().optional(),
  env_updates: z.array(z.looseObject({ env_key: z.string(), result_path: z.string() })).default([]),
  run_once: z.boolean().default(false),
  condition: z.string().nullable().optional(),
});
export type FlowAction = z.infer<typeof FlowAction>;

export const FlowSchema = z
  .looseObject({
    system_prompt: z.string(),
    initial_node: z.string().min(1),
    nodes: z.array(FlowNode).min(1, 'a flow needs at least one node'),
    actions: z.array(FlowAction).optional(),
    global_actions: z.array(FlowAction).optional(),
    environment_variables: StringMap.optional(),
    env_vars: StringMap.optional(),
    global_edges: z.array(FlowEdge).default([]),
    agent_gender: z.string().nullable().optional(),
    agent_language: z.string().nullable().optional(),
    agent_tone: z.string().nullable().optional(),
    objective: z.string().nullable().optional(),
  })
  .superRefine((flow, ctx) => {
    const ids = new Set<string>();
    flow.nodes.forEach((n, i) => {
      if (ids.has(n.id)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: `duplicate node id "${n.id}"` });
      ids.add(n.id);
    });
    if (!ids.has(flow.initial_node)) ctx.addIssue({ code: 'custom', path: ['initial_node'], message: `unknown node "${flow.initial_node}"` });
    const actionIds = new Set([...(flow.actions ?? []), ...(flow.global_actions ?? [])].map((a) => a.id));
    flow.nodes.forEach((n, i) => {
      n.edges.forEach((e, j) => {
        if (!ids.has(e.target_node_id)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'edges', j, 'target_node_id'], message: `unknown node "${e.target_node_id}"` });
        e.actions.forEach((a, k) => {
          if (!actionIds.has(a.action_id)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'edges', j, 'actions', k, 'action_id'], message: `unknown action "${a.action_id}"` });
        });
      });
      n.actions.forEach((a, k) => {
        if (!actionIds.has(a.action_id)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'actions', k, 'action_id'], message: `unknown action "${a.action_id}"` });
      });
    });
    flow.global_edges.forEach((e, j) => {
      if (!ids.has(e.target_node_id)) ctx.addIssue({ code: 'custom', path: ['global_edges', j, 'target_node_id'], message: `unknown node "${e.target_node_id}"` });
    });
  });
export type Flow = z.infer<typeof FlowSchema>;

/** True when `raw` looks like a flow graph (`nodes` + `initial_node`). */
export function isFlowFormat(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && Array.isArray((raw as { nodes?: unknown }).nodes) && 'initial_node' in raw;
}
