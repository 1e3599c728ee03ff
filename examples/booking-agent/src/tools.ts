import { Calendar } from './calendar.js';

const calendar = new Calendar();

/** Code tools for `superdialog chat playbook.yaml --tools dist/tools.js`. */
export const tools = {
  create_booking: (args: Record<string, unknown>) => calendar.book(args),
};
