import { transferHandlers, type TransferHandler } from 'comlink';
import { VaultError, deserializeVaultError, serializeVaultError, type SerializedVaultError } from './errors';

type Thrown = { vault: SerializedVaultError } | { message: string; name: string };

/**
 * Comlink's default "throw" handler keeps only name/message/stack, which
 * would lose the stable `code`. Both threads install this so a VaultError
 * arrives as a VaultError; anything else arrives as a plain Error.
 */
const throwHandler: TransferHandler<{ value: unknown }, Thrown> = {
  canHandle: (v: unknown): v is { value: unknown } => typeof v === 'object' && v !== null && 'value' in v && isThrown(v),
  serialize: ({ value }) => {
    if (value instanceof VaultError) return [{ vault: serializeVaultError(value) }, []];
    const e = value instanceof Error ? value : new Error(String(value));
    return [{ name: e.name, message: e.message }, []];
  },
  deserialize: (s) => {
    if ('vault' in s) throw deserializeVaultError(s.vault);
    throw Object.assign(new Error(s.message), { name: s.name });
  },
};

// Comlink marks thrown values with a module-private Symbol("Comlink.thrown"); match it by description.
function isThrown(v: object): boolean {
  return Object.getOwnPropertySymbols(v).some((s) => s.description === 'Comlink.thrown');
}

export function installErrorTransfer(): void {
  transferHandlers.set('throw', throwHandler as TransferHandler<unknown, unknown>);
}
