import { ESCALATE_MARKER } from './contract';

// The marker alone, or followed by anything but a letter ("ESCALATE." or "ESCALATE\nbecause..."),
// but not a word that merely starts with it ("ESCALATED"). Case-sensitive: an answer that opens
// with the verb "Escalate ..." is an answer.
const ESCALATION = new RegExp(`^${ESCALATE_MARKER}(?!\\p{L})`, 'u');

/**
 * Whether a model's reply is the escalation marker it was told to give when it cannot answer.
 * The agent turns such a reply into `{ escalate: true }`; the router checks answers too, so the
 * marker is never served or cached, whoever's agent sent it.
 */
export function isEscalation(answer: string): boolean {
  return ESCALATION.test(answer.trim());
}
