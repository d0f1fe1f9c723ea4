/** Small wording helpers for messages: times as ISO 8601 in UTC without fractions, counted nouns. */

/** An epoch in seconds as `2027-01-01T00:00:00Z`. */
export const isoSeconds = (epoch: number): string => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

/** An epoch in milliseconds as `2027-01-01T00:00:00Z` (the milliseconds dropped). */
export const isoMs = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** `1 certificate`, `2 certificates`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
