/** A booking request as the playbook's `create_booking` tool passes it. */
export interface BookingRequest {
  name: string;
  service: string;
  date: string;
  time: string;
}

export interface Booking extends BookingRequest {
  reference: string;
}

/**
 * The studio calendar: an in-memory stand-in for a real booking system. It refuses requests
 * outside opening hours (9:00-18:00) or for a slot already taken, by throwing: the playbook's
 * pipeline sees a failed result with the reason and routes the caller back to change it.
 */
export class Calendar {
  private readonly bookings: Booking[] = [];
  private next = 1001;

  constructor(
    private readonly openHour = 9,
    private readonly closeHour = 18,
  ) {}

  get all(): readonly Booking[] {
    return this.bookings;
  }

  book(args: Record<string, unknown>): Booking {
    const req = { name: String(args.name ?? ''), service: String(args.service ?? ''), date: String(args.date ?? ''), time: String(args.time ?? '') };
    const missing = Object.entries(req).filter(([, v]) => !v || v === 'null').map(([k]) => k);
    if (missing.length) throw new Error(`missing ${missing.join(', ')}`);
    const hour = Number(req.time.slice(0, 2));
    if (!/^\d{2}:\d{2}$/.test(req.time) || hour < this.openHour || hour >= this.closeHour) throw new Error(`we are only open from ${this.openHour} am to ${this.closeHour - 12} pm`);
    if (this.bookings.some((b) => b.date === req.date && b.time === req.time)) throw new Error('that time is already taken');
    const booking = { ...req, reference: `LW-${this.next++}` };
    this.bookings.push(booking);
    return booking;
  }
}
