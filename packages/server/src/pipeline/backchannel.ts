/**
 * Words a caller says to show they are listening, not to take the turn. Speech made only of
 * these (or of nothing the recogniser could read) does not interrupt the agent.
 */
export const DEFAULT_BACKCHANNEL_WORDS: ReadonlySet<string> = new Set([
  'yeah', 'yes', 'yep', 'yup', 'ok', 'okay', 'right', 'sure', 'mhm', 'mm', 'hmm', 'uh', 'huh', 'um', 'ah', 'oh',
  'uhhuh', 'aha', 'alright', 'got', 'it', 'i', 'see', 'cool', 'great', 'fine', 'good', 'true', 'exactly', 'indeed',
]);

/** Lower-case words of a transcript, punctuation dropped ("uh-huh" becomes "uhhuh"). */
export function transcriptWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/(\p{L})-(\p{L})/gu, '$1$2')
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** How many words of the text are not backchannels (a caller who says them wants the turn). */
export function substantiveWords(text: string, backchannel: ReadonlySet<string>): number {
  return transcriptWords(text).filter((w) => !backchannel.has(w)).length;
}
