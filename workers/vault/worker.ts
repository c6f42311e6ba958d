/**
 * Entry of the vault worker: the only place keys live (DESIGN §2). Exposes
 * the Vault over comlink; the UI reaches it through src/app/vault-client.ts.
 */
import '../../src/lib/zod-setup';
import { expose, transfer } from 'comlink';
import type { AttachmentMeta } from '../../src/domain/attachment';
import { installErrorTransfer } from '../../src/lib/comlink-errors';
import { Vault } from './vault';

installErrorTransfer();

/** Streams of decrypted bytes are transferred, not copied chunk by chunk. */
class WorkerVault extends Vault {
  override async readAttachment(meta: AttachmentMeta): Promise<ReadableStream<Uint8Array>> {
    const stream = await super.readAttachment(meta);
    return transfer(stream, [stream as unknown as Transferable]);
  }
}

expose(new WorkerVault({ appVersion: __APP_VERSION__, ...(__RECOVERY_KID__ ? { recoveryKid: __RECOVERY_KID__ } : {}) }));
