/** How the chaos killer and the activity-hold preload in its workers talk: two variables and a marker line. */
export const HOLD_FILE_ENV = 'KEYWARDEN_CHAOS_HOLD_FILE';
export const HOLD_MS_ENV = 'KEYWARDEN_CHAOS_HOLD_MS';
/** The line a held worker prints: `chaos: holding <activity type>`. */
export const HOLD_MARKER = /^chaos: holding (\S+)$/;
