/** A three-step wellness booking flow in the legacy graph format (our own fixture). */
export const WELLNESS_FLOW = {
  name: 'wellness',
  system_prompt: 'You book sessions for a calm Ayurvedic wellness clinic. Short replies, one question at a time.',
  initial_node: 'greeting',
  agent_gender: 'female',
  agent_language: 'en',
  nodes: [
    {
      id: 'greeting',
      name: 'Greeting',
      instruction: 'Welcome the caller warmly and ask which service they want: detox, stress relief or a consultation.',
      edges: [{ id: 'edge_to_collect', condition: 'The caller names a service or wants to book.', target_node_id: 'collect_details' }],
    },
    {
      id: 'collect_details',
      name: 'Collect details',
      instruction: 'Acknowledge their interest in {{service}} and ask for a preferred date and time.',
      edges: [{ id: 'edge_to_confirm', condition: 'The caller gave a date and time for the {{service}} session.', target_node_id: 'confirm' }],
    },
    { id: 'confirm', name: 'Confirm', is_final: true, instruction: 'Read back {{service}} on {{preferred_date}}, say the team will call back, thank them.' },
  ],
};

