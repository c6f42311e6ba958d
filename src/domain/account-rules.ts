/** Rules for local credentials, shared by the vault (enforces) and the UI (explains). */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_USERNAME_LENGTH = 64;
