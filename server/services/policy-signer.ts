import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { hmac } from './secrets';

/**
 * The key the server signs policies (and, later, commands) with: Ed25519,
 * derived from the server secret, so every process of a deployment signs
 * with the same key and nothing new has to be stored or shared. Devices pin
 * its public half at enrollment or login.
 */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export class PolicySigner {
  private readonly key: KeyObject;
  /** SPKI of the public key, base64: what devices pin. */
  readonly publicKey: string;

  constructor(secret: Buffer) {
    const seed = hmac(secret, 'policy-signing-key', '');
    this.key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.key).export({ format: 'der', type: 'spki' }).toString('base64');
  }

  /** Signs the exact text; returns base64. */
  sign(text: string): string {
    return sign(null, Buffer.from(text, 'utf8'), this.key).toString('base64');
  }
}
