import type { Duplex } from 'node:stream';

const corked = new Set<Duplex>();
let flushQueued = false;

function flush(): void {
  flushQueued = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Hold `socket`'s writes until the current tick ends, so frames sent together (a reply's delta and
 * its `agent.text.end`) leave in one write system call instead of one each. `ws` writes
 * uncompressed frames straight to the socket, so corking keeps their order; `process.nextTick`
 * releases them before any I/O or timer callback runs.
 */
export function coalesceWrites(socket: Duplex | null): void {
  if (!socket || corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (!flushQueued) {
    flushQueued = true;
    process.nextTick(flush);
  }
}
