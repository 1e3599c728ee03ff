import { describe, expect, it } from 'vitest';
import type { Loaded } from '@unpod/superdialog';
import { createBookingMachine, loadBookingPlaybook } from './agent.js';
import { Calendar } from './calendar.js';

/** Tuesday 2026-03-10, 09:00 UTC. */
const clock = (): Date => new Date('2026-03-10T09:00:00Z');
let loaded: Loaded | null = null;
async function machine(calendar = new Calendar()) {
  loaded ??= await loadBookingPlaybook();
  return createBookingMachine(loaded, { clock, calendar });
}

describe('booking playbook, offline rules mode', () => {
  it('books a treatment from greeting to goodbye', async () => {
    const calendar = new Calendar();
    const m = await machine(calendar);
    expect((await m.start()).text).toMatch(/^Hello, this is Mira from Lotus Wellness\./);
    expect((await m.turn("Hi, I'd like to book a deep tissue massage")).text).toBe('A massage, lovely. Which day would suit you?');
    expect((await m.turn('next Monday')).text).toBe("And what time on Monday 16 March? We're open from nine to six.");
    expect((await m.turn('ten in the morning')).text).toBe('Perfect. May I have your name for the booking?');
    expect((await m.turn("It's Priya")).text).toBe("So that's a massage on Monday 16 March at 10 am for Priya. Shall I book it?");
    const done = await m.turn('yes please');
    expect(done.text).toBe("You're all set, Priya. Your massage is booked for Monday 16 March at 10 am, reference LW-1001. Thank you for calling!");
    expect(done.metadata).toMatchObject({ ended: true, outcome: 'booked' });
    expect(calendar.all).toEqual([{ name: 'Priya', service: 'massage', date: '2026-03-16', time: '10:00', reference: 'LW-1001' }]);
  });

  it('takes a correction at the read-back and a calendar refusal back to the caller', async () => {
    const m = await machine();
    await m.start();
    await m.turn('a facial on friday at 8 in the evening, my name is Omar');
    expect(m.state.checkpoint).toBe('booking.confirm');
    // The calendar refuses 20:00 (twice: one retry), so the caller is asked what to change.
    const refused = await m.turn('yes');
    expect(refused.text).toBe("Sorry, I couldn't book that: we are only open from 9 am to 6 pm. What would you like to change: the treatment, the day or the time?");
    expect((await m.turn('make it 4pm')).text).toBe("So that's a facial on Friday 13 March at 4 pm for Omar. Shall I book it?");
    expect((await m.turn('no, saturday instead')).text).toBe("So that's a facial on Saturday 14 March at 4 pm for Omar. Shall I book it?");
    expect((await m.turn('correct')).metadata.outcome).toBe('booked');
  });

  it('transfers to the front desk when the caller asks for a person', async () => {
    const m = await machine();
    await m.start();
    const t = await m.turn('can I speak to someone at reception?');
    expect(t.metadata.action).toEqual({ type: 'transfer', target: 'front-desk' });
    expect(t.text).toBe("Of course. I'll put you through to our front desk now.");
  });

  it('offers speech hints for the current step', async () => {
    const m = await machine();
    const opening = await m.start();
    expect(opening.metadata.hints).toEqual(expect.arrayContaining(['massage', 'facial', 'detox', 'panchakarma', 'tomorrow', 'next monday']));
    await m.turn('a detox on 2026-03-12 at 11am, I am Lea');
    expect(m.hints()).toEqual(expect.arrayContaining(['yes', 'no']));
  });
});
