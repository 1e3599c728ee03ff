import { describe, expect, it } from 'vitest';
import { LoadError } from '../errors.js';
import { DialogMachine } from '../machine.js';
import { playbookFromObject } from '../playbook/load.js';
import { compileFlow } from './compile.js';
import { FlowSchema } from './schema.js';
import { WELLNESS_FLOW } from '../testing/flows.js';

describe('flow compiler', () => {
  it('compiles the wellness flow, declaring the slots its templates imply on the checkpoint that collects them', () => {
    const { playbook, report } = compileFlow(FlowSchema.parse(WELLNESS_FLOW));
    const cps = playbook.journeys!.flow!.checkpoints!;
    expect(cps.map((c) => c.id)).toEqual(['greeting', 'collect_details', 'confirm']);
    expect(cps[0]).toMatchObject({ slots: { service: { type: 'str' } }, advance_when: [{ judge: 'llm', to: 'collect_details', requires: ['service'] }] });
    expect(cps[1]!.guidance).toBe('Acknowledge their interest in {{slots.service}} and ask for a preferred date and time.');
    expect(cps[1]!.advance_when![0]).toMatchObject({ when: 'The caller gave a date and time for the <service> session.', requires: ['service', 'preferred_date'] });
    expect(cps[2]).toMatchObject({ terminal: true, outcome: 'confirm' });
    expect(report.unmapped).toEqual([]);
    expect(playbookFromObject(WELLNESS_FLOW).format).toBe('flow');
  });

  it('exposes env used in speech by name, withholds secret-looking env, never makes env a slot', () => {
    const flow = {
      system_prompt: 'Card welcome calls.',
      initial_node: 'hello',
      environment_variables: [
        { key: 'player_id', value: 'P-42' },
        { key: 'expected_yob', value: '1990' },
        { key: 'api_token', value: 'tok-secret' },
      ],
      nodes: [
        { id: 'hello', name: 'Hello', instruction: 'Greet player {{player_id}}. Token {{api_token}}.', edges: [{ id: 'to_check', condition: 'The caller says their year of birth', target_node_id: 'check' }] },
        { id: 'check', name: 'Check', instruction: 'Compare what they said with {{expected_yob}} and ask about {{city}}.', is_final: true },
      ],
    };
    const { playbook, report } = compileFlow(FlowSchema.parse(flow));
    const cps = playbook.journeys!.flow!.checkpoints!;
    expect(cps[0]!.guidance).toBe('Greet player {{env.player_id}}. Token {{env.api_token}}.');
    expect(playbook.expose_env).toEqual(['player_id', 'expected_yob']);
    expect(report.notes.join('\n')).toMatch(/api_token" looks secret/);
    expect(Object.keys(cps[0]!.slots!)).toEqual(['city']);
    const machine = new DialogMachine(playbookFromObject(flow), { provider: 'rules' });
    const text = machine.playbookEngine!.runtime.playbook.checkpoint('flow.hello').guidance.render(machine.playbookEngine!.runtime.talkerScope());
    expect(text).toBe('Greet player P-42. Token .');
  });

  it('strips routing prose meant for the old tool-call router and keeps {% set %} locals local', () => {
    const flow = {
      system_prompt: 'x',
      initial_node: 'a',
      nodes: [
        {
          id: 'a',
          name: 'A',
          instruction: "Ask for the city. {% set city_norm = city | lower %}Say {{ city_norm }} back. Then call greeting_to_details with ZERO words.",
          edges: [{ id: 'greeting_to_details', condition: 'city known', target_node_id: 'b', input_schema: { properties: { city: { type: 'string' } }, required: ['city'] } }],
        },
        { id: 'b', name: 'B', is_final: true, static_text: 'Bye' },
      ],
    };
    const { playbook, report } = compileFlow(FlowSchema.parse(flow));
    const a = playbook.journeys!.flow!.checkpoints![0]!;
    expect(a.guidance).toBe('Ask for the city. {% set city_norm = slots.city | lower %}Say {{ city_norm }} back.');
    expect(a.advance_when![0]).toMatchObject({ requires: ['city'] });
    expect(report.notes.some((n) => n.includes('dropped routing instruction'))).toBe(true);
  });

  it('turns data predicates on action results into expr rules and actions into tools', () => {
    const flow = {
      system_prompt: 'x',
      initial_node: 'fetch',
      actions: [{ id: 'get_user', url: '{{base}}/users/{{phone}}', method: 'GET', store_response_as: 'user', env_updates: [{ env_key: 'user_id', result_path: 'data.id' }] }],
      env_vars: { base: 'http://127.0.0.1:9' },
      nodes: [
        { id: 'fetch', name: 'Fetch', instruction: 'One moment.', actions: [{ trigger: 'on_enter', action_id: 'get_user' }], edges: [
          { id: 'ok', condition: 'user.success == true', target_node_id: 'known' },
          { id: 'ko', condition: 'not user.success', target_node_id: 'unknown' },
        ] },
        { id: 'known', name: 'Known', is_final: true, static_text: 'Welcome back' },
        { id: 'unknown', name: 'Unknown', is_final: true, static_text: 'Welcome' },
      ],
    };
    const { playbook } = compileFlow(FlowSchema.parse(flow));
    const fetch = playbook.journeys!.flow!.checkpoints![0]!;
    expect(fetch.advance_when).toEqual([
      { judge: 'expr', when: 'results.user.ok == True', to: 'known' },
      { judge: 'expr', when: 'not results.user.ok', to: 'unknown' },
    ]);
    expect(fetch.on_enter).toEqual(['get_user']);
    expect(playbook.tools![0]).toMatchObject({ id: 'get_user', url: '{{env.base}}/users/{{slots.phone}}', env_updates: { user_id: 'id' }, store_response_as: 'user' });
  });

  it('reports malformed flows with paths', () => {
    const bad = { ...WELLNESS_FLOW, initial_node: 'nope', nodes: [...WELLNESS_FLOW.nodes, { id: 'greeting', name: 'dup' }] };
    try {
      playbookFromObject(bad, 'flow.json');
      throw new Error('expected LoadError');
    } catch (err) {
      expect(err).toBeInstanceOf(LoadError);
      expect((err as LoadError).code).toBe('invalid_flow');
      expect((err as LoadError).issues.map((i) => `${i.path}: ${i.reason}`)).toEqual(expect.arrayContaining(['nodes[3].id: duplicate node id "greeting"', 'initial_node: unknown node "nope"']));
    }
  });
});
