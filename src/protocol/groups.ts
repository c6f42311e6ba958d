import { z } from 'zod';
import { EnvelopeWire } from './auth';
import { Base64, Username, Uuid } from './common';

/**
 * Groups, surrogates and the key directory (DESIGN §2, §3). A user's
 * personal group is their "main account"; its owner adds surrogates by
 * wrapping the group's data keys to them (envelopes), and removes them by
 * starting a new epoch whose key is wrapped only to those who remain.
 */

/** GET /directory/users/:username — an enrolled user's public keys, as the server vouches for them. */
export const DirectoryEntry = z.object({ userId: Uuid, username: Username, ecdhSpki: Base64, ecdsaSpki: Base64 });
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;
export const UsernameParams = z.object({ username: Username });

export const GroupMember = z.object({ userId: Uuid, username: Username, role: z.enum(['owner', 'member']) });
export type GroupMember = z.infer<typeof GroupMember>;

export const GroupInfo = z.object({
  id: Uuid,
  kind: z.string(),
  /** The current epoch: new writes use its key. */
  epoch: z.number().int().positive(),
  members: z.array(GroupMember),
  /** Epochs whose key is wrapped to the organisation's recovery key (when there is one). */
  recoveryEpochs: z.array(z.number().int().positive()),
});
export type GroupInfo = z.infer<typeof GroupInfo>;

/**
 * GET /account/groups — the groups the user belongs to, every envelope
 * addressed to the user's key in them, and the directory entries of the
 * users who signed those envelopes (to verify them before use).
 */
export const AccountGroupsResponse = z.object({
  groups: z.array(GroupInfo),
  envelopes: z.array(EnvelopeWire),
  signers: z.array(DirectoryEntry),
  /** The organisation's recovery key, if configured: devices wrap to it only if their build pins this kid. */
  recovery: z.object({ ecdhSpki: Base64, kid: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
});
export type AccountGroupsResponse = z.infer<typeof AccountGroupsResponse>;

export const GroupParams = z.object({ id: Uuid });
export const GroupMemberParams = z.object({ id: Uuid, userId: Uuid });

/** POST /groups/:id/members — the owner adds a member: the group key of every epoch, wrapped to the member and signed by the owner. */
export const AddMemberRequest = z.object({ username: Username, envelopes: z.array(EnvelopeWire).min(1).max(1000) });

/**
 * POST /groups/:id/members/:userId/remove — the owner removes a member and
 * starts epoch `epoch` (the current one + 1): its key wrapped to every
 * member who remains, owner included.
 */
export const RemoveMemberRequest = z.object({ epoch: z.number().int().positive(), envelopes: z.array(EnvelopeWire).min(1).max(1000) });

/** POST /groups/:id/recovery — the owner wraps epochs' keys to the organisation's recovery key. */
export const AddRecoveryRequest = z.object({ envelopes: z.array(EnvelopeWire).min(1).max(1000) });
