import { randomInt } from 'node:crypto';

const ADJECTIVES = ['amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fair', 'gentle', 'glad', 'keen', 'lively', 'lucid', 'merry', 'nimble', 'polite', 'quiet', 'rare', 'silent', 'steady', 'swift', 'tidy', 'vast', 'warm', 'wise', 'zesty'];
const NOUNS = ['ant', 'bass', 'bear', 'crow', 'deer', 'eel', 'finch', 'fox', 'gnu', 'hawk', 'hare', 'ibis', 'jay', 'koi', 'lark', 'lynx', 'mole', 'newt', 'owl', 'puma', 'quail', 'ram', 'seal', 'slug', 'toad', 'vole', 'wren', 'yak'];

/** A readable default run name, as MLflow gives runs created without one. */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
